# language: fr
Fonctionnalité: Conformité des requêtes INSi envoyées par le SUT
  Les requêtes du SUT respectent le WSDL INSi 1.5.0 : SOAP 1.2, en-têtes
  wsse:Security, ContexteLPS (numéro d'autorisation IDAM, nom et version du logiciel),
  ContexteBAM, wsa:MessageID et wsa:Action, corps conforme aux XSD officiels.

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT

  @REQ_INS_va1_96
  Scénario: INS/va1.96.01 — Les requêtes INSi par traits du SUT ne présentent aucune non-conformité
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | DOUBLON      |
      | prénoms de naissance | MARIE CLAIRE |
      | sexe                 | F            |
      | date de naissance    | 12/05/1985   |
      | lieu de naissance    | 63113        |
    Quand l'opérateur lance la recherche INSi par traits pour cette identité
    Alors INSi n'a relevé aucune non-conformité dans les requêtes du SUT
    Et chaque requête INSi porte le contexte LPS du logiciel (IDAM, nom, version)
    Et chaque requête INSi a un identifiant de message unique

  @REQ_INS_va1_96
  Scénario: INS/va1.96.02 — Les requêtes INSi par carte Vitale du SUT ne présentent aucune non-conformité
    Étant donné une identité provisoire saisie dans le SUT avec les traits :
      | nom de naissance     | CORSE      |
      | prénoms de naissance | ANTHONY    |
      | sexe                 | M          |
      | date de naissance    | 02/03/1980 |
    Quand l'opérateur lance la recherche INSi avec la carte Vitale :
      | matricule de l'ouvrant droit | 180032B020401 |
      | clé de l'ouvrant droit       | 23            |
      | date de naissance            | 02/03/1980    |
      | rang de naissance            | 1             |
    Alors INSi n'a relevé aucune non-conformité dans les requêtes du SUT
    Et chaque requête INSi porte le contexte LPS du logiciel (IDAM, nom, version)
