# language: fr
Fonctionnalité: Consultation du DMP (ITI-18, ITI-43) et modes d'accès
  Le SUT présente les documents du DMP tels que le DMP les présente au
  professionnel, récupère un document à l'identique, et déclare l'accès en
  bris de glace dans le VIHF.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT

  @REQ_DMP_GEN_97
  Scénario: DMP/GEN.97.01 — La liste des documents est celle que le DMP présente au professionnel
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Quand le SUT recherche les documents du DMP du patient
    Alors l'action DMP se conclut par "succès"
    Et la liste présentée par le SUT est celle que le DMP a renvoyée
    Et la liste ne contient aucun document masqué aux professionnels, archivé ou supprimé

  @REQ_DMP_GEN_97
  Scénario: DMP/GEN.97.02 — Un document récupéré du DMP est intégré à l'identique
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Quand le SUT recherche les documents du DMP du patient
    Et le SUT récupère le premier document de la liste
    Alors l'action DMP se conclut par "succès"
    Et le document reçu par le SUT est identique à celui que le DMP a renvoyé

  @REQ_DMP_GEN_97
  Scénario: DMP/GEN.97.03 — Accès en bris de glace déclaré dans le VIHF
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Quand le SUT recherche les documents du DMP du patient en mode "bris de glace"
    Alors l'action DMP se conclut par "succès"
    Et le VIHF des requêtes de consultation déclare l'accès "bris_de_glace"
    Et la liste présentée par le SUT est celle que le DMP a renvoyée

  @REQ_DMP_GEN_97
  Scénario: DMP/GEN.97.04 — Bris de glace refusé pour un patient qui s'y est opposé : l'utilisateur est informé
    Étant donné le patient "ADRTROIS TOUSSAINT" a une identité qualifiée dans le SUT
    Quand le SUT recherche les documents du DMP du patient en mode "bris de glace"
    Alors l'action DMP se conclut par "échec"
    Et l'opérateur est alerté du résultat DMP
