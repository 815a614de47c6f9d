# language: fr
Fonctionnalité: Envoi de documents par MSSanté dans un message structuré
  Le SUT envoie ses documents dans un message MSSanté structuré (IHE_XDM.ZIP,
  rendu PDF, objet XDM/1.0/DDM, en-têtes X-MSS), un patient par message, vers
  la messagerie du patient seulement avec une INS qualifiée, et dit à
  l'utilisateur quand l'opérateur refuse l'envoi.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le professionnel de RPPS "10000000010" est connecté par Pro Santé Connect

  @REQ_MSS_GEN_90
  Scénario: MSS/GEN.90.01 — Envoi d'une lettre de liaison à un professionnel : objet XDM/1.0/DDM conforme
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "succès"
    Et le message reçu par le serveur MSSanté a un objet XDM/1.0/DDM conforme au patient

  @REQ_MSS_GEN_90
  Scénario: MSS/GEN.90.02 — Envoi d'une lettre de liaison à un professionnel : en-têtes X-MSS présents et cohérents
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "succès"
    Et le message reçu par le serveur MSSanté porte les en-têtes X-MSS cohérents avec le document

  @REQ_MSS_GEN_90
  Scénario: MSS/GEN.90.03 — Envoi d'un compte rendu de biologie : archive IHE_XDM.ZIP valide et rendu PDF
    Étant donné le patient "CORSE ANTHONY" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "CR-BIO" pour ce patient
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "succès"
    Et le message reçu par le serveur MSSanté porte une archive IHE_XDM.ZIP valide contenant le document et un rendu PDF
    Et le serveur MSSanté a accepté le message sans aucune non-conformité

  @REQ_MSS_GEN_91
  Scénario: MSS/GEN.91.01 — Identité qualifiée : le document part vers la messagerie du patient avec X-MSS-INS O
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT envoie ce document par MSSanté à la messagerie du patient
    Alors l'envoi MSSanté se conclut par "succès"
    Et le message est adressé à la messagerie MSSanté du patient avec X-MSS-INS "O"
    Et le serveur MSSanté a accepté le message sans aucune non-conformité

  @REQ_MSS_GEN_91
  Scénario: MSS/GEN.91.02 — Identité non qualifiée : rien n'est envoyé à la messagerie du patient et l'utilisateur est informé
    Étant donné le patient "ECETINSI PIERRE-ALAIN" a une identité récupérée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT envoie ce document par MSSanté à la messagerie du patient
    Alors l'envoi MSSanté se conclut par "refus"
    Et l'opérateur est alerté du résultat MSSanté
    Et aucun message n'est parti vers une messagerie de patient

  @REQ_MSS_GEN_92
  Scénario: MSS/GEN.92.01 — Documents de deux patients envoyés ensemble : un message par patient
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Et le patient "CORSE ANTHONY" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "CR-BIO" pour ce patient
    Quand le SUT envoie ces documents ensemble par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "succès"
    Et le serveur MSSanté a reçu 2 messages, chacun pour un seul patient

  @REQ_MSS_GEN_93
  Scénario: MSS/GEN.93.01 — Destinataire inconnu de l'annuaire MSSanté : l'utilisateur est informé du refus
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT envoie ce document par MSSanté à "inconnu.absent@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "échec"
    Et l'opérateur est alerté du résultat MSSanté avec la réponse du serveur
    Et le serveur MSSanté n'a accepté aucun message
