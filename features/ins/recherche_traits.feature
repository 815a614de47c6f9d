# language: fr
Fonctionnalité: Recherche de l'INS par les traits d'identité (téléservice INSi)
  Le SUT interroge INSi (rechercherInsAvecTraitsIdentite) pour une identité locale,
  vérifie l'INS renvoyé avant de l'accepter et informe l'opérateur de chaque issue.

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT

  @REQ_INS_va1_01
  Scénario: INS/va1.01.01 — Identité récupérée après une recherche INSi par traits
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI     |
      | prénoms de naissance | PIERRE-ALAIN |
      | sexe                 | M            |
      | date de naissance    | 14/07/2009   |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et l'opérateur n'est pas alerté
    Et le statut de l'identité est "RECUP"
    Et l'identité porte l'INS "1090763220834" de clé "89" et d'OID "1.2.250.1.213.1.4.8"
    Et les prénoms de naissance de l'identité sont "PIERRE-ALAIN MURIEL FLORIANT"
    Et le SUT a interrogé INSi 1 fois
    Et la requête INSi n°1 transmet les prénoms "PIERRE-ALAIN"
    Et la requête INSi n°1 ne transmet pas de lieu de naissance

  @REQ_INS_va1_90
  Scénario: INS/va1.90.01 — Aucune identité trouvée (CodeCR 01) : l'identité reste provisoire
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | HOUILLES            |
      | prénoms de naissance | PIERRE PAUL JACQUES |
      | sexe                 | M                   |
      | date de naissance    | 27/01/1993          |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "aucune identité"
    Et l'opérateur est alerté
    Et le statut de l'identité est "PROV"
    Et l'identité ne porte aucun INS
    Et le SUT a interrogé INSi 1 fois

  @REQ_INS_va1_90
  Scénario: INS/va1.90.02 — Plusieurs identités (CodeCR 02) : nouvel appel avec la liste complète des prénoms
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | DOUBLON      |
      | prénoms de naissance | MARIE CLAIRE |
      | sexe                 | F            |
      | date de naissance    | 12/05/1985   |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors le SUT a interrogé INSi 2 fois
    Et la requête INSi n°1 transmet les prénoms "MARIE"
    Et la requête INSi n°2 transmet les prénoms "MARIE CLAIRE"
    Et la recherche INSi se conclut par "identité trouvée"
    Et le statut de l'identité est "RECUP"
    Et l'identité porte l'INS "2850563113101" de clé "32" et d'OID "1.2.250.1.213.1.4.10"

  @REQ_INS_va1_90
  Scénario: INS/va1.90.03 — Plusieurs identités (CodeCR 02) : nouvel appel avec le lieu de naissance
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | DOUBLON    |
      | prénoms de naissance | MARIE      |
      | sexe                 | F          |
      | date de naissance    | 12/05/1985 |
      | lieu de naissance    | 69123      |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors le SUT a interrogé INSi 2 fois
    Et la requête INSi n°1 ne transmet pas de lieu de naissance
    Et la requête INSi n°2 transmet le lieu de naissance "69123"
    Et la recherche INSi se conclut par "identité trouvée"
    Et l'identité porte l'INS "2850569123202" de clé "51" et d'OID "1.2.250.1.213.1.4.10"

  @REQ_INS_va1_90
  Scénario: INS/va1.90.04 — Toujours plusieurs identités : l'identité reste provisoire et l'opérateur est alerté
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | DOUBLON    |
      | prénoms de naissance | MARIE      |
      | sexe                 | F          |
      | date de naissance    | 12/05/1985 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "plusieurs identités"
    Et l'opérateur est alerté
    Et le statut de l'identité est "PROV"
    Et l'identité ne porte aucun INS

  @REQ_INS_va1_92
  Scénario: INS/va1.92.01 — Seul l'INS actif est retenu, jamais un INS historique
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI                     |
      | prénoms de naissance | PIERRE-ALAIN MURIEL FLORIANT |
      | sexe                 | M                            |
      | date de naissance    | 14/07/2009                   |
      | lieu de naissance    | 63220                        |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et l'identité porte l'INS "1090763220834" de clé "89" et d'OID "1.2.250.1.213.1.4.8"

  @REQ_INS_va1_97
  Scénario: INS/va1.97.01 — Traits renvoyés par INSi différents des traits locaux : l'INS n'est pas accepté
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI     |
      | prénoms de naissance | PIERRE-ALAIN |
      | sexe                 | M            |
      | date de naissance    | 14/07/2009   |
      | lieu de naissance    | 75056        |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "INS refusé"
    Et l'opérateur est alerté
    Et le statut de l'identité est "PROV"
    Et l'identité ne porte aucun INS
