# language: fr
Fonctionnalité: Document CDA R2 de niveau 1 avec PDF encapsulé
  Un document non structuré (N1) porte son contenu dans un PDF encodé en
  base64 et suit la structuration minimale du CI-SIS, jamais un schématron
  de volet N3.

  @REQ_DOC_01
  Scénario: DOC.01.01 — Compte rendu N1 avec PDF encapsulé en base64
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | CORSE      |
      | prénoms de naissance | ANTHONY    |
      | sexe                 | M          |
      | date de naissance    | 02/03/1980 |
      | lieu de naissance    | 2B020      |
    Et une pièce d'identité "CNI" a été contrôlée pour cette identité
    Et l'opérateur lance la recherche INSi par traits pour cette identité
    Quand le SUT produit un document "N1-PDF" pour cette identité
    Alors le document est valide selon le moteur de validation CI-SIS
    Et le document est de niveau "N1"
    Et le document contient un PDF encodé en base64 lisible
