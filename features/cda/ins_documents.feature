# language: fr
Fonctionnalité: INS du patient dans l'en-tête des documents
  Seule une identité qualifiée est transmise avec son INS ; l'INS est alors
  accompagné des traits de naissance que le CI-SIS exige.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT

  @REQ_CDA_GEN_91
  Scénario: CDA/GEN.91.01 — Identité qualifiée : le document porte l'INS et les traits de naissance
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | CORSE      |
      | prénoms de naissance | ANTHONY    |
      | sexe                 | M          |
      | date de naissance    | 02/03/1980 |
      | lieu de naissance    | 2B020      |
    Et une pièce d'identité "CNI" a été contrôlée pour cette identité
    Et l'opérateur lance la recherche INSi par traits pour cette identité
    Et le statut de l'identité est "QUAL"
    Quand le SUT produit un document "VAC-NOTE" pour cette identité
    Alors le patient du document est identifié par l'INS de l'identité
    Et le patient du document porte les traits de naissance exigés avec l'INS

  @REQ_CDA_GEN_91
  Scénario: CDA/GEN.91.02 — Identité seulement récupérée : le document ne porte pas d'INS
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ECETINSI     |
      | prénoms de naissance | PIERRE-ALAIN |
      | sexe                 | M            |
      | date de naissance    | 14/07/2009   |
    Et l'opérateur lance la recherche INSi par traits pour cette identité
    Et le statut de l'identité est "RECUP"
    Quand le SUT produit un document "VAC-NOTE" pour cette identité
    Alors le patient du document n'est pas identifié par un INS
    Et le document est valide selon le moteur de validation CI-SIS
