# language: fr
Fonctionnalité: Alimentation du DMP (ITI-41) avec des métadonnées conformes au document
  Le SUT verse ses documents au DMP par ITI-41 (MTOM), pour une identité
  qualifiée seulement, avec des métadonnées XDS cohérentes avec le CDA ; une
  version corrigée remplace la précédente (RPLC).

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT

  @REQ_DMP_GEN_90
  Scénario: DMP/GEN.90.01 — Lettre de liaison LDL-SES versée au DMP, métadonnées conformes au document
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP a accepté le lot sans aucune non-conformité
    Et les métadonnées versées décrivent le document produit

  @REQ_DMP_GEN_90
  Scénario: DMP/GEN.90.02 — Compte rendu de biologie CR-BIO versé au DMP, métadonnées conformes au document
    Étant donné le patient "CORSE ANTHONY" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "CR-BIO" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP a accepté le lot sans aucune non-conformité
    Et les métadonnées versées décrivent le document produit

  @REQ_DMP_GEN_90
  Scénario: DMP/GEN.90.03 — Document N1 avec PDF versé au DMP, métadonnées conformes au document
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "N1-PDF" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP a accepté le lot sans aucune non-conformité
    Et les métadonnées versées décrivent le document produit

  @REQ_DMP_GEN_91
  Scénario: DMP/GEN.91.01 — Identité seulement récupérée : le document n'est pas versé au DMP
    Étant donné le patient "ECETINSI PIERRE-ALAIN" a une identité récupérée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "refus"
    Et l'opérateur est alerté du résultat DMP
    Et le DMP n'a reçu aucune alimentation

  @REQ_DMP_GEN_92
  Scénario: DMP/GEN.92.01 — Une version corrigée remplace le document versé
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "CR-IMG" pour ce patient
    Et ce document a été versé au DMP
    Quand l'opérateur corrige ce document
    Et le SUT verse ce document au DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP a accepté le lot sans aucune non-conformité
    Et le dernier lot versé remplace la fiche du premier document (RPLC)
    Et le DMP présente la fiche du premier document comme obsolète
