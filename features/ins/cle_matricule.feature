# language: fr
Fonctionnalité: Contrôle de la clé du matricule INS renvoyé par INSi
  Le matricule INS (NIR ou NIA) compte 13 caractères et une clé de 2 chiffres.
  Le SUT recalcule la clé (97 - N mod 97, avec 2A -> 19 et 2B -> 18 pour la Corse)
  et refuse un INS dont la clé est fausse.

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT

  @REQ_INS_va1_41
  Scénario: INS/va1.41.01 — Un INS dont la clé est erronée est refusé
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | HERMANN    |
      | prénoms de naissance | GATIEN     |
      | sexe                 | M          |
      | date de naissance    | 24/03/1981 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "INS refusé"
    Et l'opérateur est alerté
    Et le statut de l'identité est "PROV"
    Et l'identité ne porte aucun INS

  @REQ_INS_va1_41
  Scénario: INS/va1.41.02 — Clé d'un matricule né en Corse-du-Sud (2A) acceptée
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ADRTROIS   |
      | prénoms de naissance | DOMINIQUE  |
      | sexe                 | F          |
      | date de naissance    | 26/02/1997 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et le statut de l'identité est "RECUP"
    Et l'identité porte l'INS "297022A020778" de clé "78" et d'OID "1.2.250.1.213.1.4.8"

  @REQ_INS_va1_41
  Scénario: INS/va1.41.03 — Clé d'un matricule né en Haute-Corse (2B) acceptée
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ADRTROIS   |
      | prénoms de naissance | TOUSSAINT  |
      | sexe                 | M          |
      | date de naissance    | 01/01/1960 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et le statut de l'identité est "RECUP"
    Et l'identité porte l'INS "160012B020777" de clé "13" et d'OID "1.2.250.1.213.1.4.8"
