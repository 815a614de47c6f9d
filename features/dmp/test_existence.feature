# language: fr
Fonctionnalité: Test d'existence du DMP avant alimentation et consultation (TD0.2)
  Le SUT vérifie par TD0.2 que le DMP du patient existe, est ouvert et que sa
  structure y est autorisée avant de l'alimenter ou de le consulter.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT

  @REQ_DMP_CONF_01
  Scénario: DMP/CONF.01.01 — Le test d'existence TD0.2 précède l'alimentation du DMP
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant l'alimentation
    Et le test d'existence a répondu que le DMP existe

  @REQ_DMP_CONF_01
  Scénario: DMP/CONF.01.02 — Patient sans DMP : pas d'alimentation et l'utilisateur est informé
    Étant donné le patient "GEMELLI LEO" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "refus"
    Et l'opérateur est alerté du résultat DMP
    Et le DMP a reçu un test d'existence TD0.2 pour l'INS du patient
    Et le DMP n'a reçu aucune alimentation

  @REQ_DMP_CONF_01
  Scénario: DMP/CONF.01.03 — DMP fermé : pas d'alimentation et l'utilisateur est informé
    Étant donné le patient "PROVISOIRE MATRICULE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "VAC-NOTE" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "refus"
    Et l'opérateur est alerté du résultat DMP
    Et le DMP a reçu un test d'existence TD0.2 pour l'INS du patient
    Et le DMP n'a reçu aucune alimentation

  @REQ_DMP_CONF_02
  Scénario: DMP/CONF.02.01 — Le test d'existence TD0.2 précède la recherche de documents
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Quand le SUT recherche les documents du DMP du patient
    Alors l'action DMP se conclut par "succès"
    Et le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la recherche
