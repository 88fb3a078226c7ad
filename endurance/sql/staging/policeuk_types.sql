-- The distinct Crime type values of one police.uk file's raw rows, trimmed once each
-- (a Crime type of spaces only counts as none). Parameter: $sha256 (the file).
CREATE OR REPLACE TEMP TABLE puk_types AS
SELECT crime_type, nullif(trim(crime_type), '') AS crime_type_clean
FROM (
    SELECT DISTINCT crime_type FROM raw.policeuk_street
    WHERE file_sha256 = $sha256
) AS types;
