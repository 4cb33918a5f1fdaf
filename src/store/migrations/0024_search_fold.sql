-- Issue 11: searching a list with `q` finds "Sở Tư pháp tỉnh An Giang" from `so tu phap`, `SỞ TƯ PHÁP` or `Sở Tư pháp`:
-- a Vietnamese operator types with or without accents, in any case. Both sides of the comparison — the column and
-- the searched text — are folded by this one function (src/store/paging.ts), on PGlite and PostgreSQL alike.
--
-- lgsp_fold maps every precomposed letter of the Vietnamese alphabet, capitals included, to its plain lowercase
-- base letter (đ and Đ to d), deletes the combining marks of text typed decomposed (NFD, as some keyboards and
-- documents send it: grave, acute, circumflex, tilde, breve, hook above, horn, dot below), then lower()s the rest.
-- translate() and lower() are built in, so no extension is needed (unaccent is not on PGlite). The mapping does not
-- depend on the database's LC_CTYPE either: a server initialised with the C locale lowercases only ASCII, and
-- every Vietnamese letter has been mapped to ASCII before lower() runs.
--
-- IMMUTABLE (its result depends on its argument only), so PostgreSQL may inline it and an expression index on
-- lgsp_fold(column) could be built. None is: the searches are "contains" (LIKE '%…%'), which a B-tree cannot serve
-- with or without folding, and a registry's thousands of rows are scanned in milliseconds (as 0022 says). The
-- sort indexes of 0022 (lower(name)) are untouched, since lists still sort by lower(name).
CREATE FUNCTION lgsp_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT lower(translate(
    value,
    'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴđĐ'
      || U&'\0300\0301\0302\0303\0306\0309\031B\0323',
    'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyaaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydd'
  ))
$$;
