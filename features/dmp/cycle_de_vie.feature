# language: fr
Fonctionnalité: Suppression et archivage des documents du DMP (ITI-57)
  Un document versé par erreur est supprimé du DMP ; un document supprimé
  n'est plus présenté ; un document archivé ne l'est que sur demande.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "CR-BIO" pour ce patient
    Et ce document a été versé au DMP

  @REQ_DMP_CONF_03
  Scénario: DMP/CONF.03.01 — Un document alimenté par erreur est supprimé du DMP
    Quand le SUT supprime ce document du DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP présente la fiche du document comme "supprimée"

  @REQ_DMP_HISTO_02
  Scénario: DMP/HISTO.02.01 — Un document supprimé n'apparaît plus dans la liste des documents du DMP
    Quand le SUT supprime ce document du DMP
    Et le SUT recherche les documents du DMP du patient
    Alors la liste des documents du DMP présentée par le SUT ne contient pas ce document

  @REQ_DMP_HISTO_02
  Scénario: DMP/HISTO.02.02 — Un document archivé n'apparaît que lorsque l'utilisateur demande les documents archivés
    Quand le SUT archive ce document dans le DMP
    Et le SUT recherche les documents du DMP du patient
    Alors la liste des documents du DMP présentée par le SUT ne contient pas ce document
    Quand le SUT recherche les documents du DMP du patient, archives comprises
    Alors la liste des documents du DMP présentée par le SUT contient ce document
    Et le DMP présente la fiche du document comme "archivée"
