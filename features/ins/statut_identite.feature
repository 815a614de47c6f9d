# language: fr
Fonctionnalité: Statut de confiance de l'identité (RNIV) et partage de l'INS
  Une identité est récupérée (RECUP) par INSi, validée (VALI) par une pièce
  d'identité à haut niveau de confiance, qualifiée (QUAL) par les deux.
  Seule une identité qualifiée peut être transmise avec son INS.

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT

  @REQ_INS_va1_01
  Scénario: INS/va1.01.02 — Identité qualifiée : pièce d'identité à haut niveau de confiance puis INSi
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | CORSE      |
      | prénoms de naissance | ANTHONY    |
      | sexe                 | M          |
      | date de naissance    | 02/03/1980 |
      | lieu de naissance    | 2B020      |
    Et une pièce d'identité "CNI" a été contrôlée pour cette identité
    Alors le statut de l'identité est "VALI"
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "identité trouvée"
    Et le statut de l'identité est "QUAL"
    Et l'identité porte l'INS "180032B020401" de clé "23" et d'OID "1.2.250.1.213.1.4.8"

  @REQ_INS_va1_01
  Scénario: INS/va1.01.03 — Un permis de conduire ne qualifie pas l'identité, une carte d'identité si
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ADRTROIS   |
      | prénoms de naissance | DOMINIQUE  |
      | sexe                 | F          |
      | date de naissance    | 26/02/1997 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors le statut de l'identité est "RECUP"
    Quand l'opérateur enregistre une pièce d'identité "PERMIS_CONDUIRE" pour cette identité
    Alors le statut de l'identité est "RECUP"
    Quand l'opérateur enregistre une pièce d'identité "CNI" pour cette identité
    Alors le statut de l'identité est "QUAL"

  @REQ_INS_va1_95
  Scénario: INS/va1.95.01 — Une identité seulement récupérée est transmise sans son INS
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI     |
      | prénoms de naissance | PIERRE-ALAIN |
      | sexe                 | M            |
      | date de naissance    | 14/07/2009   |
    Et l'opérateur lance la recherche INSi par traits pour cette identité
    Quand le SUT transmet cette identité
    Alors l'identité transmise a le statut "RECUP"
    Et l'identité transmise ne contient pas d'INS

  @REQ_INS_va1_95
  Scénario: INS/va1.95.02 — Une identité qualifiée est transmise avec son INS
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI     |
      | prénoms de naissance | PIERRE-ALAIN |
      | sexe                 | M            |
      | date de naissance    | 14/07/2009   |
    Et une pièce d'identité "PASSEPORT" a été contrôlée pour cette identité
    Et l'opérateur lance la recherche INSi par traits pour cette identité
    Quand le SUT transmet cette identité
    Alors l'identité transmise a le statut "QUAL"
    Et l'identité transmise contient l'INS "1090763220834" de clé "89" et d'OID "1.2.250.1.213.1.4.8"
