# language: fr
Fonctionnalité: Erreurs du DMP présentées à l'utilisateur et traces des appels
  Une faute ou une indisponibilité du DMP est montrée à l'utilisateur avec son
  motif, jamais comme un succès ; chaque appel au DMP est tracé.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient

  @REQ_DMP_GEN_95
  Scénario: DMP/GEN.95.01 — Une faute SOAP du DMP est présentée à l'utilisateur
    Étant donné le DMP répond à l'alimentation par une faute SOAP
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "échec"
    Et l'opérateur est alerté du résultat DMP

  @REQ_DMP_GEN_95
  Scénario: DMP/GEN.95.02 — Un DMP indisponible est signalé à l'utilisateur
    Étant donné le DMP est indisponible (HTTP 503)
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "erreur"
    Et l'opérateur est alerté du résultat DMP

  @REQ_DMP_GEN_96
  Scénario: DMP/GEN.96.01 — Chaque appel au DMP est tracé avec son identifiant de message
    Quand le SUT verse ce document au DMP
    Et le SUT recherche les documents du DMP du patient
    Alors la trace des appels DMP du SUT correspond aux requêtes reçues par le DMP
