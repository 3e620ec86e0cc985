-- macros.sql: SQL macros shared by the ingest statements; created per connection (temporary).
-- redact_free_text(text): the text with e-mail addresses, API keys, card and phone numbers masked.
create or replace temp macro redact_free_text(text) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    text,
                    '(sk|pk|rk)[-_][A-Za-z0-9_-]{16,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*',
                    '[API_KEY]', 'g'),
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[EMAIL]', 'g'),
            '\b\d(?:[ -]?\d){12,18}\b', '[CARD]', 'g'),
        '\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}\d', '[PHONE]', 'g');
