# language: fr
Fonctionnalité: Un document provenant du DMP n'y est pas réintégré
  Le SUT qui a récupéré un document du DMP du patient ne le renvoie pas au
  DMP : il refuse l'envoi et en informe l'utilisateur.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT

  @REQ_CDA_DD_04
  Scénario: CDA/DD.04.01 — Un document récupéré du DMP n'y est pas envoyé de nouveau
    Étant donné le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Quand le SUT recherche les documents du DMP du patient
    Et le SUT récupère le premier document de la liste
    Alors l'action DMP se conclut par "succès"
    Quand l'opérateur demande au SUT d'envoyer au DMP le document reçu du DMP
    Alors l'action DMP se conclut par "refus"
    Et l'opérateur est alerté du résultat DMP
    Et le DMP n'a reçu aucune alimentation
