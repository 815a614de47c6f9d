# language: fr
Fonctionnalité: Traçabilité des appels au téléservice INSi
  Le SUT trace chaque appel INSi (date, opération, identifiant de message,
  résultat, utilisateur) ; la trace doit correspondre à ce qu'INSi a reçu.

  Contexte:
    Étant donné l'opérateur "DR.LEROY" est connecté au SUT

  @REQ_INS_va1_49
  Scénario: INS/va1.49.01 — Un appel INSi réussi est tracé avec son identifiant de message et l'utilisateur
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | PROVISOIRE |
      | prénoms de naissance | MATRICULE  |
      | sexe                 | M          |
      | date de naissance    | 01/07/2009 |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la trace des appels INSi du SUT correspond aux requêtes reçues par INSi

  @REQ_INS_va1_49
  Scénario: INS/va1.49.02 — Chaque nouvel appel après un CodeCR 02 est tracé
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | DOUBLON      |
      | prénoms de naissance | MARIE CLAIRE |
      | sexe                 | F            |
      | date de naissance    | 12/05/1985   |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors le SUT a interrogé INSi 2 fois
    Et la trace des appels INSi du SUT correspond aux requêtes reçues par INSi

  @REQ_INS_va1_49
  Scénario: INS/va1.49.03 — Un appel INSi en erreur est tracé aussi
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | HOUILLES            |
      | prénoms de naissance | PIERRE PAUL JACQUES |
      | sexe                 | M                   |
      | date de naissance    | 27/01/1993          |
    Et le téléservice INSi répond par l'erreur SOAP "technique"
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors la trace des appels INSi du SUT correspond aux requêtes reçues par INSi
