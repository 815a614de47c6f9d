# language: fr
Fonctionnalité: Jeton VIHF des requêtes au DMP
  Chaque requête au DMP porte un VIHF signé par le certificat de la
  structure, en cours de validité, complet, dont la ressource est le patient
  de la requête.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT

  @REQ_DMP_GEN_93
  Scénario: DMP/GEN.93.01 — Le VIHF est signé, valide et complet
    Étant donné le SUT a produit un document "VAC-NOTE" pour ce patient
    Quand le SUT verse ce document au DMP
    Et le SUT recherche les documents du DMP du patient
    Alors chaque requête reçue par le DMP porte un VIHF signé, valide et complet

  @REQ_DMP_GEN_93
  Scénario: DMP/GEN.93.02 — La ressource du VIHF est le patient de la requête
    Étant donné le SUT a produit un document "LDL-SES" pour ce patient
    Quand le SUT verse ce document au DMP
    Et le SUT recherche les documents du DMP du patient
    Alors le VIHF de chaque requête reçue par le DMP désigne le patient de la requête
