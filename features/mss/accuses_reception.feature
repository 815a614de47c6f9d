# language: fr
Fonctionnalité: Accusés MSSanté et intégration des documents reçus (vague 2)
  Le SUT relève sa boîte MSSanté en IMAP (STARTTLS, XOAUTH2) : il rattache
  les accusés reçus à ses envois, détecte les messages porteurs d'une archive
  IHE_XDM.ZIP, en intègre les documents une seule fois pour le patient
  identifié par son INS et renvoie l'accusé de lecture demandé.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le serveur IMAP MSSanté (dovecot) est disponible
    Et le professionnel de RPPS "10000000010" est connecté par Pro Santé Connect

  @REQ_MSS_GEN_94
  Scénario: MSS/GEN.94.01 — Accusé de lecture demandé : l'accusé du destinataire est rattaché au message envoyé
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr" avec accusé de lecture
    Et le SUT relève sa boîte aux lettres MSSanté
    Alors le message envoyé porte l'accusé de lecture "processed"

  @REQ_MSS_UX_01
  Scénario: MSS/UX.01.01 — Message XDM reçu pour un patient connu : document intégré et accusé « processed »
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et un confrère a envoyé au SUT un message XDM avec un document pour ce patient, accusé de lecture demandé
    Quand le SUT relève sa boîte aux lettres MSSanté
    Alors le message reçu se conclut par "intégré"
    Et le SUT a envoyé au confrère un accusé de lecture "processed"

  @REQ_MSS_UX_01
  Scénario: MSS/UX.01.02 — Message XDM reçu pour un patient inconnu : document non intégré et accusé d'erreur 902
    Étant donné un confrère a envoyé au SUT un message XDM avec le document "cr-consultation-n1.xml", accusé de lecture demandé
    Quand le SUT relève sa boîte aux lettres MSSanté
    Alors le message reçu se conclut par "rejeté"
    Et le SUT a envoyé au confrère un accusé de lecture "processed/error" avec le code "902"

  @REQ_MSS_UX_01
  Scénario: MSS/UX.01.03 — Le même document reçu deux fois par MSSanté n'est intégré qu'une fois
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et un confrère a envoyé au SUT un message XDM avec un document pour ce patient, accusé de lecture demandé
    Et le confrère a renvoyé le même message
    Quand le SUT relève sa boîte aux lettres MSSanté
    Alors le SUT a intégré 1 document reçu par MSSanté et signalé 1 doublon

  @REQ_MSS_UX_03
  Scénario: MSS/UX.03.01 — Document reçu pour un patient connu : son INS est vérifiée auprès d'INSi avant l'intégration
    Étant donné le patient "CORSE ANTHONY" a une identité qualifiée dans le SUT
    Et un confrère a envoyé au SUT un message XDM avec un document pour ce patient, accusé de lecture demandé
    Quand le SUT relève sa boîte aux lettres MSSanté
    Alors le SUT a vérifié auprès d'INSi l'INS du patient du document reçu
    Et le message reçu se conclut par "intégré"

  @REQ_MSS_UX_03
  Scénario: MSS/UX.03.02 — INSi indisponible à la réception : document non intégré, message gardé pour la relève suivante
    Étant donné le patient "CORSE ANTHONY" a une identité qualifiée dans le SUT
    Et un confrère a envoyé au SUT un message XDM avec un document pour ce patient, accusé de lecture demandé
    Et le téléservice INSi est indisponible (HTTP 503)
    Quand le SUT relève sa boîte aux lettres MSSanté
    Alors le message reçu se conclut par "en attente"
    Et le message reçu reste non lu dans la boîte du SUT, sans accusé de lecture
