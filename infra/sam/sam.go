// Package sam keeps template.yaml honest: it injects the generated edge router into the
// template (go run ./infra/sam/inject) and its tests check the template against the code — every
// function builds, every route reaches the function that owns its operations, and no role grants
// a wildcard action.
package sam

import (
	"bytes"
	"fmt"
	"strings"
)

// Marker opens the CloudFront function's inline code in template.yaml; the code is the literal
// block that follows it, indented by CodeIndent.
const (
	Marker     = "      FunctionCode: |\n"
	CodeIndent = "        "
)

// InlineCode returns the router code inlined in a template.
func InlineCode(template []byte) (string, error) {
	_, code, _, err := split(template)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(code, "\n") {
		out.WriteString(strings.TrimPrefix(line, CodeIndent))
	}
	return strings.TrimRight(out.String(), "\n") + "\n", nil
}

// Inject replaces the router code inlined in a template with code.
func Inject(template []byte, code string) ([]byte, error) {
	before, _, after, err := split(template)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(before)
	for _, line := range strings.SplitAfter(strings.TrimRight(code, "\n")+"\n", "\n") {
		if line == "" {
			continue
		}
		if line == "\n" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(CodeIndent + line)
	}
	b.WriteString("\n") // a blank line before the next resource
	b.WriteString(after)
	return b.Bytes(), nil
}

// split cuts a template into what precedes the inline code (marker included), the code block,
// and what follows it (the first line indented less than the block).
func split(template []byte) (before, code, after string, err error) {
	s := string(template)
	i := strings.Index(s, Marker)
	if i < 0 {
		return "", "", "", fmt.Errorf("template has no %q", strings.TrimSpace(Marker))
	}
	start := i + len(Marker)
	end := start
	for end < len(s) {
		nl := strings.IndexByte(s[end:], '\n')
		if nl < 0 {
			end = len(s)
			break
		}
		line := s[end : end+nl]
		if line != "" && !strings.HasPrefix(line, CodeIndent) {
			break
		}
		end += nl + 1
	}
	return s[:start], s[start:end], s[end:], nil
}
