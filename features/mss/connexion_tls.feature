# language: fr
Fonctionnalité: Connexion sécurisée à l'opérateur MSSanté (STARTTLS, TLS 1.2, suites, certificat IGC Santé)
  Le SUT ne parle à l'interface LPS de l'opérateur MSSanté qu'en TLS 1.2 avec
  une suite de chiffrement de l'espace de confiance et un certificat serveur
  de l'IGC Santé ; face à un serveur hors politique il n'envoie rien et alerte.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le professionnel de RPPS "10000000010" est connecté par Pro Santé Connect
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient

  @REQ_MSS_CONF_01
  Scénario: MSS/CONF.01.01 — Serveur MSSanté n'offrant que TLS 1.1 : le SUT n'envoie rien et alerte l'utilisateur
    Étant donné le serveur MSSanté présente le profil TLS "tls11"
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "erreur"
    Et l'opérateur est alerté du résultat MSSanté
    Et le serveur MSSanté n'a accepté aucun message

  @REQ_MSS_CONF_01
  Scénario: MSS/CONF.01.02 — Envoi MSSanté en STARTTLS, TLS 1.2 et suite autorisée, authentifié par Pro Santé Connect
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "succès"
    Et la session SMTP du SUT est en TLS 1.2 avec une suite autorisée et authentifiée par XOAUTH2
    Et le serveur MSSanté a enregistré le message envoyé

  @REQ_MSS_CONF_03
  Scénario: MSS/CONF.03.01 — Serveur MSSanté n'offrant qu'une suite hors liste : le SUT n'envoie rien et alerte l'utilisateur
    Étant donné le serveur MSSanté présente le profil TLS "suite-hors-liste"
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "erreur"
    Et l'opérateur est alerté du résultat MSSanté
    Et le serveur MSSanté n'a accepté aucun message

  @REQ_MSS_va1_06
  Scénario: MSS/va1.06.01 — Certificat serveur hors IGC Santé : le SUT n'envoie rien et alerte l'utilisateur
    Étant donné le serveur MSSanté présente le profil TLS "certificat-hors-igc"
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors l'envoi MSSanté se conclut par "erreur"
    Et l'opérateur est alerté du résultat MSSanté
    Et le serveur MSSanté n'a accepté aucun message
