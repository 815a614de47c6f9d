# language: fr
Fonctionnalité: Lisibilité des documents produits
  Un lecteur humain voit tout le contenu d'un document : chaque section a un
  bloc narratif, et les entrées codées renvoient à ce bloc.

  @REQ_CDA_VISU_01
  Scénario: CDA/VISU.01.01 — Chaque section des documents structurés produits a un bloc narratif lisible
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI     |
      | prénoms de naissance | PIERRE-ALAIN |
      | sexe                 | M            |
      | date de naissance    | 14/07/2009   |
    Quand le SUT produit un document "LDL-SES" pour cette identité
    Et le SUT produit un document "CR-BIO" pour cette identité
    Et le SUT produit un document "CR-IMG" pour cette identité
    Et le SUT produit un document "VAC-NOTE" pour cette identité
    Alors chaque section de chaque document produit a un bloc narratif lisible
