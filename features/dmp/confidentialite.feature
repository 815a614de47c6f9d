# language: fr
Fonctionnalité: Confidentialité des documents versés au DMP
  Le SUT verse un document masqué aux professionnels, non visible par le
  patient ou par ses représentants légaux, et modifie ces choix après
  versement ; jamais INVISIBLE_PATIENT avec MASQUE_PS. Ce que le patient et
  ses représentants légaux voient dans Mon Espace Santé est lu sur le DMP.

  Contexte:
    Étant donné l'opérateur "DR.TESTEUR" est connecté au SUT
    Et le patient "ADRTROIS DOMINIQUE" a une identité qualifiée dans le SUT
    Et le SUT a produit un document "LDL-SES" pour ce patient

  @REQ_DMP_GEN_94
  Scénario: DMP/GEN.94.01 — Document versé masqué aux professionnels
    Quand le SUT verse ce document au DMP "masqué aux professionnels"
    Alors l'action DMP se conclut par "succès"
    Et le DMP présente la fiche du document avec la confidentialité "MASQUE_PS"

  @REQ_DMP_GEN_94
  Scénario: DMP/GEN.94.02 — Document versé non visible par le patient
    Quand le SUT verse ce document au DMP "non visible par le patient"
    Alors l'action DMP se conclut par "succès"
    Et le DMP présente la fiche du document avec la confidentialité "INVISIBLE_PATIENT"
    Et le DMP présente la fiche du document sans la confidentialité "MASQUE_PS"
    Et Mon Espace Santé ne présente pas ce document au patient
    Et Mon Espace Santé ne présente pas ce document aux représentants légaux du patient
    Et le DMP présente ce document aux professionnels

  @REQ_DMP_GEN_94
  Scénario: DMP/GEN.94.03 — Document versé non visible par les représentants légaux
    Quand le SUT verse ce document au DMP "non visible par les représentants légaux"
    Alors l'action DMP se conclut par "succès"
    Et le DMP présente la fiche du document avec la confidentialité "INVISIBLE_REPRESENTANTS_LEGAUX"
    Et Mon Espace Santé ne présente pas ce document aux représentants légaux du patient
    Et Mon Espace Santé présente ce document au patient
    Et le DMP présente ce document aux professionnels

  @REQ_DMP_GEN_94
  Scénario: DMP/GEN.94.04 — Un document versé est ensuite masqué aux professionnels
    Étant donné ce document a été versé au DMP
    Quand le SUT masque ce document aux professionnels dans le DMP
    Alors l'action DMP se conclut par "succès"
    Et le DMP présente la fiche du document avec la confidentialité "MASQUE_PS"
