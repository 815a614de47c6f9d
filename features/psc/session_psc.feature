# language: fr
Fonctionnalité: Authentification Pro Santé Connect et cycle de vie des jetons
  Le SUT authentifie le professionnel par Pro Santé Connect (code
  d'autorisation avec PKCE), renouvelle le jeton d'accès expiré par le jeton
  de rafraîchissement et, à la déconnexion, révoque ses jetons et n'en use plus.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient

  @REQ_PSC_GEN_90
  Scénario: PSC/GEN.90.01 — Connexion par Pro Santé Connect puis envoi MSSanté authentifié par le jeton du professionnel
    Quand le professionnel de RPPS "10000000010" se connecte par Pro Santé Connect
    Et le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors la connexion Pro Santé Connect a utilisé le code d'autorisation avec PKCE S256
    Et l'envoi MSSanté se conclut par "succès"
    Et la session SMTP du SUT est en TLS 1.2 avec une suite autorisée et authentifiée par XOAUTH2

  @REQ_PSC_GEN_91
  Scénario: PSC/GEN.91.01 — Jeton d'accès expiré : le SUT le renouvelle et l'envoi MSSanté réussit
    Étant donné le professionnel de RPPS "10000000010" est connecté par Pro Santé Connect
    Et le jeton d'accès Pro Santé Connect du professionnel a expiré
    Quand le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors le SUT a renouvelé son jeton par le jeton de rafraîchissement Pro Santé Connect
    Et l'envoi MSSanté se conclut par "succès"

  @REQ_PSC_GEN_92
  Scénario: PSC/GEN.92.01 — Déconnexion : jetons révoqués, l'envoi suivant demande une nouvelle connexion
    Étant donné le professionnel de RPPS "10000000010" est connecté par Pro Santé Connect
    Quand le professionnel se déconnecte de Pro Santé Connect
    Et le SUT envoie ce document par MSSanté à "paul.pharmacien@test.mssante.fr"
    Alors le SUT a révoqué ses jetons Pro Santé Connect
    Et l'envoi MSSanté se conclut par "refus"
    Et le SUT n'a ouvert aucune session SMTP
