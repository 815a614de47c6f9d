# language: fr
Fonctionnalité: Recherche de l'INS avec la carte Vitale (téléservice INSi)
  Le SUT interroge INSi (rechercherInsAvecCarteVitale) avec le matricule de l'ouvrant
  droit, la date et le rang de naissance du bénéficiaire lus sur la carte.

  Contexte:
    Étant donné l'opérateur "SECRETARIAT.DURAND" est connecté au SUT

  @REQ_INS_va1_91
  Scénario: INS/va1.91.01 — Recherche avec la carte Vitale d'un jumeau : le rang de naissance départage
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | GEMELLI    |
      | prénoms de naissance | LEO        |
      | sexe                 | M          |
      | date de naissance    | 03/09/2015 |
    Quand l'opérateur lance la recherche INSi avec la carte Vitale :
      | matricule de l'ouvrant droit | 2780563220555 |
      | clé de l'ouvrant droit       | 09            |
      | date de naissance            | 03/09/2015    |
      | rang de naissance            | 2             |
    Alors la recherche INSi se conclut par "identité trouvée"
    Et le statut de l'identité est "RECUP"
    Et l'identité porte l'INS "1150963220302" de clé "68" et d'OID "1.2.250.1.213.1.4.10"
    Et le SUT a interrogé INSi 1 fois
    Et la requête INSi n°1 porte sur l'opération "rechercherInsAvecCarteVitale"
