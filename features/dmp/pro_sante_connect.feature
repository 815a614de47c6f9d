# language: fr
Fonctionnalité: Accès au DMP par Pro Santé Connect (API Pro Santé Connectée)
  Un professionnel connecté au SUT par Pro Santé Connect accède au DMP par
  l'entrée Pro Santé Connect : le SUT présente le jeton d'accès PSC du
  professionnel, sa situation d'exercice et l'INS du patient, et ne signe
  pas de VIHF lui-même (la passerelle le construit).

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Et le professionnel de RPPS "10000000010" est connecté par Pro Santé Connect

  @REQ_DMP_PSC_01
  Scénario: DMP/PSC.01.01 — Professionnel connecté par Pro Santé Connect : alimentation du DMP par l'entrée Pro Santé Connect
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP a reçu chaque requête par son entrée Pro Santé Connect, avec le jeton du professionnel et l'INS du patient

  @REQ_DMP_PSC_01
  Scénario: DMP/PSC.01.02 — Jeton Pro Santé Connect expiré : le SUT le renouvelle et consulte le DMP par l'entrée Pro Santé Connect
    Étant donné le jeton d'accès Pro Santé Connect du professionnel a expiré
    Quand le SUT recherche les documents du DMP du patient
    Alors l'action DMP se conclut par "succès"
    Et le SUT a renouvelé son jeton par le jeton de rafraîchissement Pro Santé Connect
    Et le DMP a reçu chaque requête par son entrée Pro Santé Connect, avec le jeton du professionnel et l'INS du patient
