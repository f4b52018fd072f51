# Messaggi alle persone, in italiano. Stessi identificativi del catalogo inglese (en.ftl).

## Titoli dei problemi

title-bad_request = Richiesta malformata
title-unauthorized = Autenticazione richiesta
title-forbidden = Operazione non consentita
title-password_change_required = Cambio password richiesto
title-not_found = Non trovato
title-method_not_allowed = Metodo non consentito
title-precondition_failed = Versione non aggiornata
title-precondition_required = If-Match richiesto
title-payload_too_large = Corpo della richiesta troppo grande
title-unsupported_media_type = Tipo di contenuto non supportato
title-request_header_fields_too_large = Intestazioni della richiesta troppo grandi
title-validation_failed = Richiesta non valida
title-possible_duplicate = Possibile duplicato
title-invalid_transition = Passaggio di stato non consentito
title-preconditions_failed = Condizioni non soddisfatte
title-case_closed = Il caso è chiuso
title-no_closure_request = Nessuna richiesta di chiusura
title-closure_request_outdated = Richiesta di chiusura superata
title-case_not_in_charge = Il caso non è in carico
title-consent_missing = Consenso mancante
title-grant_not_eligible = Borsa lavoro non ammissibile
title-already_exists = Già esistente
title-own_account = Il tuo account
title-consent_already_withdrawn = Consenso già revocato
title-service_account_revoked = Account di servizio revocato
title-webhook_disabled = Webhook disattivato
title-webhook_limit = Troppi webhook
title-period_overlaps = Periodo sovrapposto
title-legal_hold = Dati trattenuti per un procedimento legale
title-conflict = Conflitto con lo stato attuale
title-too_many_requests = Troppe richieste
title-internal = Errore interno
title-unavailable = Servizio non disponibile
title-long_reads_busy = Troppe esportazioni e rendicontazioni in corso
title-storage_full = Spazio di archiviazione esaurito
title-read_only = Database in sola lettura
title-storage_error = Guasto dell'archiviazione
title-http_error = Richiesta rifiutata

## Dettagli dei problemi

detail-bad_request = la richiesta non può essere letta: controlla il JSON e le intestazioni
detail-unauthorized = credenziali mancanti, errate, scadute o revocate: accedi di nuovo
detail-forbidden = il tuo ruolo non consente questa operazione
detail-password_change_required = un amministratore ha reimpostato la tua password: cambiala con POST /api/v1/me/password, poi rinnova la sessione
detail-not_found = la risorsa non esiste
detail-method_not_allowed = questa risorsa accetta: { $allow }
detail-precondition_failed = la risorsa è cambiata da quando l'hai letta: rileggila e riapplica la modifica
detail-precondition_required = invia l'ETag della versione letta nell'intestazione If-Match
detail-payload_too_large = il corpo della richiesta può essere al massimo di { $limit } byte
detail-unsupported_media_type = invia il corpo come application/json in UTF-8
detail-request_header_fields_too_large = un'intestazione, o tutte insieme, sono troppo grandi
detail-validation_failed = uno o più campi non sono validi; vedi errors
detail-possible_duplicate = esistono schede che potrebbero riguardare la stessa persona; invia confirm_new: true per registrarla comunque
detail-invalid_transition = il percorso del caso non porta lì dallo stato attuale; vedi reachable
detail-preconditions_failed = per la presa in carico manca quanto elencato in preconditions
detail-case_closed = il caso è chiuso; un coordinatore di distretto può riaprirlo
detail-no_closure_request = nessuna chiusura è in attesa di approvazione
detail-closure_request_outdated = il caso è cambiato dopo la richiesta di chiusura: chiedi una nuova chiusura
detail-case_not_in_charge = il caso deve essere in carico nel giorno in cui il servizio è erogato
detail-consent_missing = la persona non ha dato il consenso a condividere i dati con l'organizzazione
detail-grant_not_eligible = la borsa lavoro viola le regole del programma elencate in rules
detail-already_exists = esiste già una scheda con questo indirizzo e-mail o nome
detail-own_account = non puoi disattivare né declassare il tuo account
detail-consent_already_withdrawn = il consenso è già stato revocato
detail-service_account_revoked = le credenziali del sistema partner sono revocate definitivamente
detail-webhook_disabled = il webhook è disattivato: riattivalo prima (PATCH con enabled: true)
detail-webhook_limit = l'organizzazione ha già tutti i webhook che può avere: eliminane uno prima
detail-period_overlaps = il periodo si sovrappone a un altro periodo dello stesso distretto
detail-legal_hold = un procedimento legale della persona è aperto: i suoi dati sono trattenuti finché non è deciso o ritirato
detail-conflict = la modifica è in conflitto con i dati registrati
detail-too_many_requests = troppi tentativi; riprova più tardi
detail-internal = il server non è riuscito a rispondere; l'incidente è registrato con l'X-Request-Id di questa risposta
detail-unavailable = il servizio non può rispondere ora; riprova tra poco
detail-long_reads_busy = sono in corso tutte le esportazioni e rendicontazioni che questa istanza consente: riprova tra poco
detail-storage_full = il disco del database è pieno: non è stato scritto nulla; riprova quando un operatore avrà liberato spazio
detail-read_only = il database ora non accetta scritture (archiviazione in sola lettura, o una replica): non è stato scritto nulla; le letture funzionano
detail-storage_error = il file del database è danneggiato o illeggibile: non è stato scritto nulla; un operatore deve verificarlo
detail-http_error = la richiesta è stata rifiutata

## Messaggi sui campi

field-required = è obbligatorio
field-unknown_field = non è un campo di questo corpo
field-invalid_type = { $expected ->
    [string] deve essere una stringa
    [integer] deve essere un numero intero
    [number] deve essere un numero
    [boolean] deve essere true o false
    [array] deve essere un elenco
    [object] deve essere un oggetto
   *[other] ha un tipo errato
}
field-unknown_code = { $allowed ->
    [none] non è un codice del suo vocabolario
   *[other] deve essere uno tra: { $allowed }
}
field-invalid_value = non è un valore valido
field-invalid_format = { $format ->
    [date] deve essere una data (AAAA-MM-GG)
    [date-time] deve essere una data con ora (RFC 3339, es. 2026-03-02T09:00:00Z)
    [uuid] deve essere un identificativo (UUID)
    [email] deve essere un indirizzo e-mail
   *[other] deve essere nel formato { $format }
}
field-invalid_length = ha un numero di elementi errato
field-too_long = { $max ->
    [none] è troppo lungo
   *[other] deve avere al massimo { $max } caratteri
}
field-too_short = { $min ->
    [none] è troppo corto
   *[other] deve avere almeno { $min } caratteri
}
field-too_many_items = deve avere al massimo { $max } elementi
field-too_few_items = deve avere almeno { $min } elementi
field-out_of_range = { $bounds ->
    [both] deve essere tra { $min } e { $max }
    [min] deve essere almeno { $min }
    [max] deve essere al massimo { $max }
   *[none] è fuori dall'intervallo consentito
}
field-range = { $bounds ->
    [both] deve essere tra { $min } e { $max }
    [min] deve essere almeno { $min }
    [max] deve essere al massimo { $max }
   *[none] è fuori dall'intervallo consentito
}
field-length = { $bounds ->
    [both] deve avere da { $min } a { $max } caratteri o elementi
    [min] deve avere almeno { $min } caratteri o elementi
    [max] deve avere al massimo { $max } caratteri o elementi
   *[none] ha una lunghezza errata
}
field-invalid_character = contiene un carattere non ammesso
field-in_future = non può essere nel futuro
field-too_old = è troppo lontano nel passato
field-not_allowed = non è ammesso qui
field-mismatch = non concorda con gli altri campi
field-duplicate = è indicato due volte
field-one_of = indica esattamente una delle alternative
field-invalid = non è valido
field-negative = non può essere negativo
field-below_min = è sotto il minimo
field-above_intercepted = non può superare il numero di persone intercettate
field-before_birth = non può essere precedente alla data di nascita
field-before_filed = non può essere precedente alla data di presentazione
field-before_given = non può essere precedente alla data in cui è stato dato
field-before_interception = non può essere precedente all'intercettazione del caso
field-before_signed = non può essere precedente alla data di firma
field-before_start = non può essere precedente all'inizio
field-before_previous_event = non può essere precedente al passaggio precedente
field-invalid_codice_fiscale = non è un codice fiscale valido
field-invalid_cursor = non è un cursore restituito da questo elenco
field-invalid_date = non è una data (AAAA-MM-GG)
field-invalid_district = non è un codice di distretto valido
field-invalid_email = non è un indirizzo e-mail valido
field-invalid_phone = non è un numero di telefono valido
field-invalid_url = non è un URL http(s) valido
field-not_a_topic = non è un tema di questo tipo di attività
field-too_many_rows = seleziona più righe di quante un file possa contenerne
field-too_weak = è troppo facile da indovinare
field-unknown_country = non è un codice di paese ISO 3166
field-unknown_dialect = non è un dialetto CSV prodotto da questo servizio
field-unknown_district = non è un distretto
field-unknown_format = non è un formato servito da questo endpoint
field-unknown_language = non è un codice di lingua ISO 639
field-unknown_operator = non è un operatore del distretto del caso
field-unknown_organization = non è un'organizzazione
field-unknown_parameter = non è un parametro di questo endpoint
field-after_to = non può essere successivo a `to`
field-invalid_assignee = non è un operatore del distretto del caso
field-key_reused = questa Idempotency-Key è già stata usata per un'altra richiesta
field-not_a_partner = non è un'organizzazione che riceve invii
field-not_https = deve essere un URL https://
field-private_address = indica un indirizzo non pubblico (loopback, privato, link-local)
field-not_your_district = non è uno dei tuoi distretti
field-unchanged = deve essere diversa dalla password attuale
field-unknown_beneficiary = non è una persona che puoi vedere
field-unknown_note = non è una nota di questo caso
field-unknown_service = non è un servizio di questa organizzazione
field-wrong_password = non è la tua password attuale
field-already_yours = indica una persona già in carico al tuo distretto
field-given = registra un consenso dato: accetta il trasferimento, oppure spiega nella nota perché no
field-refused = registra un rifiuto: rifiuta il trasferimento
field-unknown = non indica nulla che tu possa usare: un codice sconosciuto o scaduto, o nessun fascicolo unico
field-other = non è valido
