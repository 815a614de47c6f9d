# language: fr
Fonctionnalité: NIR ou NIA : le type de l'INS se lit dans l'OID renvoyé par INSi
  Un NIA et un NIR ont la même structure : seul l'OID les distingue. Le SUT
  conserve l'OID renvoyé tel quel et n'en déduit jamais le type à partir des chiffres.

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT

  @REQ_INS_va1_93
  Scénario: INS/va1.93.01 — Un INS de type NIA est reconnu par son OID
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | PROVISOIRE |
      | prénoms de naissance | MATRICULE  |
      | sexe                 | M          |
      | date de naissance    | 01/07/2009 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et l'identité porte l'INS "1090763220888" de clé "35" et d'OID "1.2.250.1.213.1.4.9"
    Et l'INS de l'identité est de type "NIA"

  @REQ_INS_va1_93
  Scénario: INS/va1.93.02 — L'OID d'un INS-NIR de test est conservé tel que renvoyé
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | GEMELLI    |
      | prénoms de naissance | LUCAS      |
      | sexe                 | M          |
      | date de naissance    | 03/09/2015 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et l'identité porte l'INS "1150963220301" de clé "69" et d'OID "1.2.250.1.213.1.4.10"
    Et l'INS de l'identité est de type "NIR"
