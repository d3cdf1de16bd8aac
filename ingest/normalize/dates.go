package normalize

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseDate reads a date the way feeds really write them, and reports
// whether it could. It accepts RFC 3339 and ISO 8601 (with or without
// seconds, fraction or zone; "T" or a space between date and time;
// slashes or dots between the date's parts), RFC 822/1123/850 and their
// common corruptions (missing or wrong weekday, single-digit day or hour,
// two-digit years, full month names, extra whitespace or commas, named
// zones, "GMT+1" or "UTC-05:00" offsets, "-0800 (PST)"), ANSI C and Unix
// date(1) output, "January 2, 2006 3:04 PM", numeric dates (D/M/Y unless
// AM/PM says M/D/Y, or either part is above 12) and Unix timestamps.
//
// A date without a zone is read as UTC. An unknown zone abbreviation is
// read as UTC rather than losing the date. The weekday is never checked:
// partners get it wrong far more often than the date.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return plausible(t)
	}
	s = strings.Join(strings.Fields(s), " ")
	if t, ok := parseISO(s); ok {
		return plausible(t)
	}
	if t, ok := parseUnix(s); ok {
		return t, true
	}
	if t, ok := parseWords(s); ok {
		return plausible(t)
	}
	return time.Time{}, false
}

// plausible refuses dates no article has: before 1971 (zero values and
// the Unix epoch written by broken generators) or after 9999.
func plausible(t time.Time) (time.Time, bool) {
	if t.Year() < 1971 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

// isoDate is ISO 8601 in its extended and basic forms: date, optional
// time (hours and minutes at least), optional fraction and zone.
var isoDate = regexp.MustCompile(`^(\d{4})([-/.]?)(\d{1,2})[-/.]?(\d{1,2})` +
	`(?:(?:[Tt]| | ?[Tt] ?)(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?` +
	` ?([Zz]|[A-Za-z]{2,5}|(?:(?:GMT|UTC|UT) ?)?[+-]\d{1,2}(?::?\d{2}|:\d)?)?$`)

// shortSeconds is a time whose seconds lost their leading zero
// ("12:35:9+01:00").
var shortSeconds = regexp.MustCompile(`^(\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}:\d{2}):(\d)(\D.*)?$`)

func parseISO(s string) (time.Time, bool) {
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		if p := shortSeconds.FindStringSubmatch(s); p != nil {
			m = isoDate.FindStringSubmatch(p[1] + ":0" + p[2] + p[3])
		}
	}
	if m == nil {
		return time.Time{}, false
	}
	if m[2] == "" && (len(m[3]) != 2 || len(m[4]) != 2) {
		return time.Time{}, false // basic form needs YYYYMMDD
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[3])
	day, _ := strconv.Atoi(m[4])
	var hour, minute, sec, nsec int
	if m[5] != "" {
		hour, _ = strconv.Atoi(m[5])
		minute, _ = strconv.Atoi(m[6])
		sec, _ = strconv.Atoi(m[7])
		if m[8] != "" {
			frac := (m[8] + "000000000")[:9]
			nsec, _ = strconv.Atoi(frac)
		}
	}
	loc := time.UTC
	if m[9] != "" {
		var ok bool
		if loc, ok = zone(m[9]); !ok {
			return time.Time{}, false
		}
	}
	return build(year, month, day, hour, minute, sec, nsec, loc)
}

// parseUnix reads a Unix time in seconds (10 digits) or milliseconds (13).
func parseUnix(s string) (time.Time, bool) {
	if len(s) != 10 && len(s) != 13 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	if len(s) == 13 {
		return plausible(time.UnixMilli(n).UTC())
	}
	return plausible(time.Unix(n, 0).UTC())
}

// build makes a time from parts, refusing out-of-range ones instead of
// letting time.Date roll them over (31 April is no 1 May). A leap second
// reads as :59, and 24:00 as midnight of the next day.
func build(year, month, day, hour, minute, sec, nsec int, loc *time.Location) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	if hour > 24 || hour == 24 && (minute != 0 || sec != 0) {
		return time.Time{}, false
	}
	if sec == 60 {
		sec = 59
	}
	if t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc); t.Day() != day {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), true
}

var months = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
	// Month names of other languages that generators put in RFC 822
	// dates, where no English name shares the spelling.
	"januar": 1, "janvier": 1, "janv": 1, "enero": 1, "ene": 1, "gennaio": 1, "gen": 1, "januari": 1,
	"februar": 2, "février": 2, "fevrier": 2, "févr": 2, "fev": 2, "fév": 2, "febrero": 2, "febbraio": 2, "februari": 2, "fevereiro": 2,
	"märz": 3, "maerz": 3, "mär": 3, "mars": 3, "marzo": 3, "maart": 3, "março": 3,
	"avril": 4, "avr": 4, "abril": 4, "abr": 4, "aprile": 4,
	"mai": 5, "mayo": 5, "maggio": 5, "mei": 5, "maio": 5,
	"juni": 6, "juin": 6, "junio": 6, "giugno": 6, "giu": 6, "junho": 6,
	"juli": 7, "juillet": 7, "juil": 7, "julio": 7, "luglio": 7, "lug": 7, "julho": 7,
	"août": 8, "aout": 8, "agosto": 8, "ago": 8, "augustus": 8,
	"septembre": 9, "septiembre": 9, "settembre": 9, "set": 9, "setembro": 9,
	"oktober": 10, "okt": 10, "octobre": 10, "octubre": 10, "ottobre": 10, "ott": 10, "outubro": 10, "out": 10,
	"novembre": 11, "noviembre": 11, "novembro": 11,
	"dezember": 12, "dez": 12, "décembre": 12, "decembre": 12, "déc": 12, "diciembre": 12, "dic": 12, "dicembre": 12, "dezembro": 12,
}

var weekdays = map[string]bool{
	"mon": true, "monday": true, "tue": true, "tues": true, "tuesday": true, "wed": true, "wednesday": true,
	"thu": true, "thur": true, "thurs": true, "thursday": true, "fri": true, "friday": true,
	"sat": true, "saturday": true, "sun": true, "sunday": true,
}

// zoneOffsets are the zone abbreviations feeds write, in minutes east of
// UTC. Ambiguous ones take the reading that dominates in feeds (CST is
// North American, IST Indian, BST British).
var zoneOffsets = map[string]int{
	"Z": 0, "UT": 0, "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 330,
	"CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "MEZ": 60, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180,
	"WAT": 60, "CAT": 120, "EAT": 180, "SAST": 120, "PKT": 300, "ICT": 420, "WIB": 420,
	"HKT": 480, "SGT": 480, "PHT": 480, "AWST": 480, "CST6CDT": -360, "JST": 540, "KST": 540,
	"ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780,
	"EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
	"PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "AST": -240, "ADT": -180,
	"NST": -210, "NDT": -150, "BRT": -180, "ART": -180, "CLT": -240,
}

var numericZone = regexp.MustCompile(`^(?:([A-Za-z]{1,5}) ?)?([+-])(\d{1,2})(?::?(\d{2})|:(\d))?$`)

// zone reads a zone: Z, a known abbreviation, an offset (+0100, +01:00,
// +1, -07) or an abbreviation with an offset ("GMT+1", "UTC-05:00"). An
// unknown abbreviation of letters only is read as UTC.
func zone(s string) (*time.Location, bool) {
	if m := numericZone.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[3])
		mins, _ := strconv.Atoi(m[4])
		if m[5] != "" { // "+05:3", an offset cut a digit short
			mins, _ = strconv.Atoi(m[5] + "0")
		}
		if h > 14 || mins > 59 {
			return nil, false
		}
		off := h*3600 + mins*60
		if m[2] == "-" {
			off = -off
		}
		return fixed(off), true
	}
	up := strings.ToUpper(s)
	if off, ok := zoneOffsets[up]; ok {
		return fixed(off * 60), true
	}
	// An abbreviation we do not know: capital letters only.
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return nil, false
		}
	}
	return time.UTC, len(s) >= 2 && len(s) <= 5
}

func fixed(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	return time.FixedZone("", off)
}

var (
	clockRe   = regexp.MustCompile(`^(\d{1,2})[:.h](\d{1,2})(?:[:.](\d{1,2})(?:[.,](\d{1,9}))?)?(.*)$`)
	numDateRe = regexp.MustCompile(`^(\d{1,4})([/.-])(\d{1,2})[/.-](\d{1,4})$`)
	ordinalRe = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)$`)
)

// parseWords reads the RFC 822 family and other dates written with words,
// token by token, so that the order of day, month and year, the weekday,
// commas and the spelling of the zone may vary.
func parseWords(s string) (time.Time, bool) {
	// A comment after the zone ("-0800 (PST)") says the same twice; alone
	// it is the zone.
	var comment string
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		comment = strings.TrimSpace(s[i+1 : len(s)-1])
		s = strings.TrimSpace(s[:i])
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	var (
		month, day, year      = 0, -1, -1
		yearDigits            int
		hour, minute, sec     = 0, 0, 0
		nsec                  int
		haveClock, pm, am     bool
		loc                   *time.Location
		nums                  []string
		numDate               []string
		sawNumber, sawUnknown bool
		monthFirst            bool
	)
	setZone := func(z string) bool {
		l, ok := zone(z)
		if loc == nil {
			loc = l // "-0700 MST": the first one counts
		}
		return ok
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		lower := strings.ToLower(strings.TrimSuffix(f, "."))
		switch {
		case weekdays[lower]:
			continue
		case months[lower] != 0 && month == 0:
			month = months[lower]
			monthFirst = !sawNumber
			continue
		case months[lower] != 0 && monthFirst:
			// "mar., 24 nov.": the first was a weekday (mardi, martes).
			month, monthFirst = months[lower], false
			continue
		case lower == "am" || lower == "a.m":
			am = true
			continue
		case lower == "pm" || lower == "p.m":
			pm = true
			continue
		case lower == "at" || lower == "on" || lower == "of" || lower == "-" || lower == "t" || lower == "de" || lower == "le":
			continue
		}
		if m := ordinalRe.FindStringSubmatch(lower); m != nil {
			nums = append(nums, m[1])
			sawNumber = true
			continue
		}
		if d := strings.TrimSuffix(f, "."); isDigits(d) {
			f = d
			nums = append(nums, f)
			sawNumber = true
			continue
		}
		if m := numDateRe.FindStringSubmatch(f); m != nil && numDate == nil {
			numDate = m
			sawNumber = true
			continue
		}
		// RFC 850: 02-Jan-06; also Jan-02-2006.
		if parts := strings.Split(f, "-"); len(parts) == 3 && months[strings.ToLower(parts[1])] != 0 && month == 0 && isDigits(parts[0]) && isDigits(parts[2]) {
			month = months[strings.ToLower(parts[1])]
			nums = append(nums, parts[0], parts[2])
			sawNumber = true
			continue
		}
		if m := clockRe.FindStringSubmatch(f); m != nil && !haveClock {
			haveClock = true
			hour, _ = strconv.Atoi(m[1])
			minute, _ = strconv.Atoi(m[2])
			sec, _ = strconv.Atoi(m[3])
			if m[4] != "" {
				nsec, _ = strconv.Atoi((m[4] + "000000000")[:9])
			}
			rest := m[5]
			switch strings.ToLower(rest) {
			case "":
			case "am", "a.m.":
				am = true
			case "pm", "p.m.":
				pm = true
			default:
				if !setZone(rest) {
					return time.Time{}, false
				}
			}
			sawNumber = true
			continue
		}
		if haveClock || sawNumber && (f[0] == '+' || f[0] == '-') {
			z := f
			// "GMT +0100", "GMT + 1": join a name and its offset.
			if i+1 < len(fields) && isZoneName(f) && (fields[i+1][0] == '+' || fields[i+1][0] == '-') {
				z = f + fields[i+1]
				i++
			}
			if setZone(z) {
				continue
			}
			return time.Time{}, false
		}
		// A word before any number is a weekday or a word in a language we
		// do not know; a word after the numbers is not something we read.
		if !sawNumber && !sawUnknown && len(f) <= 12 {
			sawUnknown = true
			continue
		}
		return time.Time{}, false
	}
	if loc == nil && comment != "" {
		if l, ok := zone(comment); ok {
			loc = l
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	if numDate != nil {
		if month != 0 || len(nums) > 0 {
			return time.Time{}, false
		}
		a, _ := strconv.Atoi(numDate[1])
		b, _ := strconv.Atoi(numDate[3])
		c, _ := strconv.Atoi(numDate[4])
		switch {
		case len(numDate[1]) == 4: // Y-M-D
			year, month, day, yearDigits = a, b, c, 4
		case len(numDate[4]) == 4 || len(numDate[4]) == 2:
			year, yearDigits = c, len(numDate[4])
			// D/M/Y as most of the world writes it, unless the numbers or
			// a 12-hour clock say M/D/Y.
			if b > 12 || a <= 12 && (am || pm) && numDate[2] == "/" {
				month, day = a, b
			} else {
				month, day = b, a
			}
		default:
			return time.Time{}, false
		}
	} else {
		if month == 0 {
			return time.Time{}, false
		}
		for _, n := range nums {
			v, _ := strconv.Atoi(n)
			switch {
			case len(n) >= 3 || v > 31:
				if year >= 0 {
					return time.Time{}, false
				}
				year, yearDigits = v, len(n)
			case day < 0:
				day = v
			case year < 0:
				year, yearDigits = v, len(n)
			default:
				return time.Time{}, false
			}
		}
	}
	if year < 0 || day < 0 {
		return time.Time{}, false
	}
	switch {
	case yearDigits <= 2: // RFC 5322 §4.3
		if year < 50 {
			year += 2000
		} else {
			year += 1900
		}
	case yearDigits == 3:
		year += 1900
	}
	if pm || am {
		if hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		if pm && hour != 12 {
			hour += 12
		}
		if am && hour == 12 {
			hour = 0
		}
	}
	return build(year, month, day, hour, minute, sec, nsec, loc)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isZoneName(s string) bool {
	switch strings.ToUpper(s) {
	case "GMT", "UTC", "UT":
		return true
	}
	return false
}
