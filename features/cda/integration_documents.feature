# language: fr
Fonctionnalité: Intégration des documents reçus et dédoublonnage
  Le SUT reconnaît un document déjà intégré à son identifiant unique
  (ClinicalDocument/id), quel que soit le canal par lequel il revient, et
  intègre une nouvelle version (même setId, nouvel identifiant).

  Contexte:
    Étant donné l'opérateur "IDE.MARTIN" est connecté au SUT
    Et le document CDA "cr-consultation-n1.xml" émis par un autre professionnel

  @REQ_CDA_INT_01
  Scénario: CDA/INT.01.01 — Un document reçu deux fois par MSSanté n'est intégré qu'une fois
    Quand le SUT reçoit ce document par "MSSANTE"
    Alors la réception se conclut par "intégré"
    Quand le SUT reçoit ce document par "MSSANTE"
    Alors la réception se conclut par "doublon"
    Et l'opérateur est informé que le document était déjà intégré
    Et le SUT détient 1 document(s) reçu(s)

  @REQ_CDA_INT_01
  Scénario: CDA/INT.01.02 — Un document reçu par MSSanté puis depuis le DMP n'est intégré qu'une fois
    Quand le SUT reçoit ce document par "MSSANTE"
    Et le SUT reçoit ce document par "DMP"
    Alors la réception se conclut par "doublon"
    Et le SUT détient 1 document(s) reçu(s)

  @REQ_CDA_INT_01
  Scénario: CDA/INT.01.03 — Une nouvelle version d'un document est intégrée et remplace la précédente
    Étant donné une version corrigée de ce document émise par son auteur
    Quand le SUT reçoit la version d'origine par "MSSANTE"
    Et le SUT reçoit ce document par "MSSANTE"
    Alors la réception se conclut par "intégré"
    Et le SUT détient 2 document(s) reçu(s)
    Et le document reçu d'abord est marqué comme remplacé par la nouvelle version
