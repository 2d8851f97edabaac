package mail

import (
	"strings"
	"unicode/utf8"
)

// MaskEmail masks an address the way Cognito's CodeDeliveryDetails.Destination shows it: the
// first character of the local part and of the domain, each followed by "***"
// ("jane@example.com" -> "j***@e***"). Characters are runes, not bytes. The split is at the last
// '@' (a quoted local part may contain one). Without '@' the whole value is treated as a local
// part ("j***"); an empty part becomes "***"; an empty address stays empty.
func MaskEmail(addr string) string {
	if addr == "" {
		return ""
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return maskHead(addr)
	}
	return maskHead(addr[:at]) + "@" + maskHead(addr[at+1:])
}

func maskHead(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return "***"
	}
	return string(r) + "***"
}

// MaskPhone masks a phone number the way Cognito's CodeDeliveryDetails.Destination shows it:
// a leading '+' is kept, every other character but the last four becomes '*'
// ("+12065551234" -> "+*******1234"). A number of four characters or fewer after the '+' is
// masked completely rather than shown whole.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	prefix, rest := "", p
	if strings.HasPrefix(p, "+") {
		prefix, rest = "+", p[1:]
	}
	const keep = 4
	runes := []rune(rest)
	if len(runes) <= keep {
		return prefix + strings.Repeat("*", len(runes))
	}
	return prefix + strings.Repeat("*", len(runes)-keep) + string(runes[len(runes)-keep:])
}

// MaskDestination masks to with MaskEmail or MaskPhone according to the channel; any other
// channel gets MaskEmail's treatment, which never reveals more than two characters.
func MaskDestination(ch Channel, to string) string {
	if ch == SMS {
		return MaskPhone(to)
	}
	return MaskEmail(to)
}
