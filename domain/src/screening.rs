//! What screening records about a person's situation (valutazione): the profile seen in the
//! field, the needs, and the work situation (sector and contract). Eligibility reads them; a
//! case carries them.

use crate::vocabulary;

vocabulary! {
    /// The three profiles seen in Milan.
    pub enum Profile as "profiles" {
        GreyWork => ("grey_work", "Da molto tempo in Italia, lavoro grigio", "Long settled, in grey work"),
        RecentArrival => ("recent_arrival", "Arrivato da poco, documenti da ricostruire", "Recently arrived, documents to rebuild"),
        ExploitationVictim => ("exploitation_victim", "Vittima di frode o sfruttamento", "Victim of fraud or exploitation"),
    }
}

vocabulary! {
    pub enum Need as "needs" {
        ItalianLanguage => ("italian_language", "Lingua italiana", "Italian language"),
        Documents => ("documents", "Documenti", "Documents"),
        Housing => ("housing", "Alloggio", "Housing"),
        Health => ("health", "Salute", "Health"),
        TerritorialOrientation => ("territorial_orientation", "Orientamento sul territorio", "Orientation in the territory"),
        WorkAdvice => ("work_advice", "Consulenza sulla situazione lavorativa", "Advice on the work situation"),
        LabourDispute => ("labour_dispute", "Contenzioso con il datore di lavoro", "Dispute with the employer"),
        JobPlacement => ("job_placement", "Inserimento lavorativo", "Job placement"),
        Training => ("training", "Formazione", "Training"),
        Legal => ("legal", "Supporto legale", "Legal support"),
        Protection => ("protection", "Protezione", "Protection"),
        IncomeSupport => ("income_support", "Sostegno al reddito", "Income support"),
    }
}

vocabulary! {
    pub enum Sector as "work_sectors" {
        Agriculture => ("agriculture", "Agricoltura", "Agriculture"),
        Logistics => ("logistics", "Logistica", "Logistics"),
        DeliveryPlatform => ("delivery_platform", "Consegne su piattaforma (rider)", "Platform delivery (rider)"),
        Construction => ("construction", "Edilizia", "Construction"),
        DomesticCare => ("domestic_care", "Lavoro domestico e di cura", "Domestic and care work"),
        Hospitality => ("hospitality", "Ristorazione e alberghi", "Hospitality"),
        Manufacturing => ("manufacturing", "Manifattura", "Manufacturing"),
        Cleaning => ("cleaning", "Pulizie", "Cleaning"),
        Retail => ("retail", "Commercio", "Retail"),
        Other => ("other", "Altro", "Other"),
    }
}

vocabulary! {
    pub enum Contract as "contract_types" {
        None => ("none", "Non lavora", "Not working"),
        Irregular => ("irregular", "Lavoro irregolare (in nero)", "Irregular (undeclared) work"),
        Grey => ("grey", "Lavoro grigio (in parte dichiarato)", "Grey work (partly declared)"),
        Regular => ("regular", "Contratto regolare", "Regular contract"),
    }
}
