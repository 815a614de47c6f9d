# language: fr
Fonctionnalité: Conformité des documents produits à leur volet du CI-SIS
  Chaque document que le SUT produit est validé comme l'outil TestContenuCDA
  de l'ANS le fait : en-tête CI-SIS, schéma CDA, schématron du volet et jeux
  de valeurs. Le patient a une identité qualifiée.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | CORSE      |
      | prénoms de naissance | ANTHONY    |
      | sexe                 | M          |
      | date de naissance    | 02/03/1980 |
      | lieu de naissance    | 2B020      |
    Et une pièce d'identité "CNI" a été contrôlée pour cette identité
    Et l'opérateur lance la recherche INSi par traits pour cette identité

  @REQ_CDA_GEN_90
  Scénario: CDA/GEN.90.01 — Lettre de liaison à la sortie (LDL-SES) conforme à son volet
    Quand le SUT produit un document "LDL-SES" pour cette identité
    Alors le document est valide selon le moteur de validation CI-SIS
    Et le document est de niveau "N3" du volet "1.2.250.1.213.1.1.1.29" en version "2022.01"
    Et le type du document est le code LOINC "11490-0"

  @REQ_CDA_GEN_90
  Scénario: CDA/GEN.90.02 — Compte rendu de biologie (CR-BIO) N3 conforme, résultats codés en LOINC
    Quand le SUT produit un document "CR-BIO" pour cette identité
    Alors le document est valide selon le moteur de validation CI-SIS
    Et le document est de niveau "N3" du volet "1.2.250.1.213.1.1.1.55" en version "2024.01"
    Et le type du document est le code LOINC "11502-2"
    Et chaque résultat du document est codé en LOINC

  @REQ_CDA_GEN_90
  Scénario: CDA/GEN.90.03 — Compte rendu d'imagerie (CR-IMG) conforme à son volet
    Quand le SUT produit un document "CR-IMG" pour cette identité
    Alors le document est valide selon le moteur de validation CI-SIS
    Et le document est de niveau "N3" du volet "1.2.250.1.213.1.1.1.45" en version "2024.01"
    Et le type du document est le code LOINC "18748-4"

  @REQ_CDA_GEN_90
  Scénario: CDA/GEN.90.04 — Note de vaccination (VAC-NOTE) conforme à son volet
    Quand le SUT produit un document "VAC-NOTE" pour cette identité
    Alors le document est valide selon le moteur de validation CI-SIS
    Et le document est de niveau "N3" du volet "1.2.250.1.213.1.1.1.46" en version "2023.01"
    Et le type du document est le code LOINC "87273-9"
