package textutil

// Fold maps a lower-case letter to its unaccented form ("é" -> "e"); other
// runes are returned unchanged. It covers the Latin letters of French and
// of the neighbouring languages that show up in posts.
func Fold(r rune) rune {
	if r < 0xC0 || r > 0x17F {
		return r
	}
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą':
		return 'a'
	case 'ç', 'ć', 'č':
		return 'c'
	case 'è', 'é', 'ê', 'ë', 'ē', 'ė', 'ę', 'ě':
		return 'e'
	case 'ì', 'í', 'î', 'ï', 'ī', 'į':
		return 'i'
	case 'ñ', 'ń', 'ň':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő':
		return 'o'
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű':
		return 'u'
	case 'ý', 'ÿ':
		return 'y'
	case 'š', 'ś':
		return 's'
	case 'ž', 'ź', 'ż':
		return 'z'
	case 'ł':
		return 'l'
	}
	return r
}

// FoldString lower-cases s, removes accents and expands "œ"/"æ"; it is for
// building lexicons and test expectations, not for the hot path.
func FoldString(s string) string {
	var tk Tokenizer
	out := make([]byte, 0, len(s))
	for i, t := range tk.Tokenize(s) {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, t.Fold...)
	}
	return string(out)
}
