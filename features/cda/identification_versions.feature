# language: fr
Fonctionnalité: Identifiant unique et versions des documents produits
  Chaque document a son propre identifiant ; une correction est une nouvelle
  version du même document (même setId, versionNumber incrémenté, RPLC).

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

  @REQ_CDA_GEN_92
  Scénario: CDA/GEN.92.01 — Deux comptes rendus du même type pour le même patient ont des identifiants distincts
    Quand le SUT produit un document "CR-BIO" pour cette identité
    Et le SUT produit un document "CR-BIO" pour cette identité
    Alors les documents produits ont des identifiants uniques distincts

  @REQ_CDA_GEN_93
  Scénario: CDA/GEN.93.01 — Un compte rendu corrigé remplace la version précédente
    Quand le SUT produit un document "CR-IMG" pour cette identité
    Et l'opérateur corrige ce document
    Alors la nouvelle version garde le setId, incrémente le numéro de version et remplace la précédente
    Et le document est valide selon le moteur de validation CI-SIS
