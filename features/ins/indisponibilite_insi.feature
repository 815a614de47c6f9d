# language: fr
Fonctionnalité: INSi en erreur ou indisponible
  Quand INSi répond par une erreur SOAP, une erreur HTTP ou ne répond pas à temps,
  le SUT ne change pas le statut de l'identité et informe l'opérateur du motif.

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT

  @REQ_INS_va1_94
  Scénario: INS/va1.94.01 — Erreur SOAP d'INSi : statut inchangé et motif donné à l'opérateur
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ADRTROIS   |
      | prénoms de naissance | DOMINIQUE  |
      | sexe                 | F          |
      | date de naissance    | 26/02/1997 |
    Et une pièce d'identité "CNI" a été contrôlée pour cette identité
    Et le téléservice INSi répond par l'erreur SOAP "technique"
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "service en erreur"
    Et l'opérateur est alerté
    Et l'opérateur est informé du motif renvoyé par INSi
    Et le statut de l'identité est "VALI"
    Et l'identité ne porte aucun INS

  @REQ_INS_va1_94
  Scénario: INS/va1.94.02 — INSi indisponible (HTTP 503) : l'opérateur est informé
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | ADRTROIS   |
      | prénoms de naissance | TOUSSAINT  |
      | sexe                 | M          |
      | date de naissance    | 01/01/1960 |
    Et le téléservice INSi est indisponible (HTTP 503)
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "service en erreur"
    Et l'opérateur est alerté
    Et le message affiché à l'opérateur contient "503"
    Et le statut de l'identité est "PROV"
    Et l'identité ne porte aucun INS

  @REQ_INS_va1_94
  Scénario: INS/va1.94.03 — INSi ne répond pas dans le délai : l'opérateur est informé
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | CORSE      |
      | prénoms de naissance | ANTHONY    |
      | sexe                 | M          |
      | date de naissance    | 02/03/1980 |
    Et le téléservice INSi répond après le délai d'attente du SUT
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la recherche INSi se conclut par "service en erreur"
    Et l'opérateur est alerté
    Et le message affiché à l'opérateur contient "délai"
    Et le statut de l'identité est "PROV"
    Et l'identité ne porte aucun INS
