# language: fr
Fonctionnalité: Création et réactivation du DMP d'un patient (TD1.1, TD1.2)
  Le SUT crée le DMP d'un patient qui n'en a pas, seulement avec son
  consentement, et réactive un DMP fermé ; il vérifie d'abord par TD0.2
  l'état du DMP du patient.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT

  @REQ_DMP_GEN_98
  Scénario: DMP/GEN.98.01 — Création du DMP d'un patient qui n'en a pas, avec son consentement
    Étant donné le patient "GEMELLI LEO" a une identité qualifiée dans le SUT
    Quand le SUT crée le DMP du patient avec son consentement
    Alors l'action DMP se conclut par "succès"
    Et le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la création du DMP
    Et le DMP a accepté la création du DMP du patient (TD1.1)
    Et le DMP du patient est "ouvert"

  @REQ_DMP_GEN_98
  Scénario: DMP/GEN.98.02 — Sans le consentement du patient, pas de création du DMP
    Étant donné le patient "GEMELLI LEO" a une identité qualifiée dans le SUT
    Quand le SUT est sollicité pour créer le DMP du patient sans son consentement
    Alors l'action DMP se conclut par "refus"
    Et l'opérateur est alerté du résultat DMP
    Et le DMP n'a reçu aucune demande de création de DMP
    Et le DMP du patient est "absent"

  @REQ_DMP_GEN_98
  Scénario: DMP/GEN.98.03 — Réactivation d'un DMP fermé
    Étant donné le patient "PROVISOIRE MATRICULE" a une identité qualifiée dans le SUT
    Quand le SUT réactive le DMP du patient
    Alors l'action DMP se conclut par "succès"
    Et le DMP a reçu un test d'existence TD0.2 pour l'INS du patient avant la réactivation du DMP
    Et le DMP a accepté la réactivation du DMP du patient (TD1.2, motif "REAC")
    Et le DMP du patient est "ouvert"
