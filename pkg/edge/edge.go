package edge

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// Headers the edge sets on every request, after removing any a client sent with the same prefix.
const (
	HeaderPrefix       = "X-Cognate-Original-"
	HeaderOriginalHost = HeaderPrefix + "Host" // the Host header the client sent
	HeaderOriginalPath = HeaderPrefix + "Path" // the URI path the client sent, before rewriting
	HeaderOriginalIP   = HeaderPrefix + "Ip"   // the viewer's IP address as CloudFront saw it
)

// DefaultPath is where requests the router does not rewrite stay, unknown targets included.
const DefaultPath = "/"

// MaxFunctionSize is CloudFront Functions' limit on a function's code.
const MaxFunctionSize = 10 * 1024

// InternalPrefix reserves a path space for the edge: the family paths live under it, and no
// Cognito or OAuth path does (Cognito's hosted pages own /signup, /login …, so the families
// cannot sit at the root). The router answers 404 itself to any client request whose path is
// in it, so the family paths are reachable only by way of a rewrite.
const InternalPrefix = "/_cognate/"

// FamilyPath is the path the edge sends a family's operations to, and the path its function
// answers on (cognito.ServerOptions.Paths): InternalPrefix + the family's name.
func FamilyPath(f cognito.Family) string { return InternalPrefix + string(f) }

// Routes maps every operation name to its family's path.
func Routes() map[string]string {
	ops := cognito.Operations()
	m := make(map[string]string, len(ops))
	for _, op := range ops {
		m[op.Name] = FamilyPath(op.Family)
	}
	return m
}

// routesDoc is routes.json: the routing table as data, for the node test and for people.
type routesDoc struct {
	GeneratedBy    string            `json:"generatedBy"`
	TargetPrefix   string            `json:"targetPrefix"`
	DefaultPath    string            `json:"defaultPath"`
	InternalPrefix string            `json:"internalPrefix"`
	Headers        map[string]string `json:"headers"`
	Families       map[string]string `json:"families"`
	Operations     map[string]string `json:"operations"`
}

const generatedBy = "go generate ./pkg/edge (pkg/edge/cmd/gen) from pkg/cognito's operation table; DO NOT EDIT"

// RoutesJSON renders infra/edge/routes.json.
func RoutesJSON() ([]byte, error) {
	families := map[string]string{}
	for _, f := range cognito.Families() {
		families[string(f)] = FamilyPath(f)
	}
	doc := routesDoc{
		GeneratedBy:    generatedBy,
		TargetPrefix:   cognito.TargetPrefix,
		DefaultPath:    DefaultPath,
		InternalPrefix: InternalPrefix,
		Headers: map[string]string{
			"originalHost": strings.ToLower(HeaderOriginalHost),
			"originalPath": strings.ToLower(HeaderOriginalPath),
			"originalIp":   strings.ToLower(HeaderOriginalIP),
		},
		Families:   families,
		Operations: Routes(),
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

//go:embed router.js.tmpl
var routerTemplate string

var tmpl = template.Must(template.New("router.js").Option("missingkey=error").Parse(routerTemplate))

// identifier is what an operation name must look like to be written into JavaScript unquoted.
var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

type jsOp struct {
	Name  string
	Index int
}

// Generate renders infra/edge/router.js, the CloudFront Function (runtime cloudfront-js-2.0,
// viewer request) that routes by X-Amz-Target. It fails rather than emit code CloudFront would
// refuse or that could misroute: an operation name that is not a plain identifier, a family
// without a path, or a function over CloudFront's size limit.
func Generate() ([]byte, error) {
	families := cognito.Families()
	index := map[cognito.Family]int{}
	var paths []string
	for i, f := range families {
		index[f] = i
		paths = append(paths, FamilyPath(f))
	}
	var ops []jsOp
	for _, op := range cognito.Operations() {
		if !identifier.MatchString(op.Name) {
			return nil, fmt.Errorf("edge: operation name %q is not a plain identifier", op.Name)
		}
		i, ok := index[op.Family]
		if !ok {
			return nil, fmt.Errorf("edge: operation %s belongs to family %q, which has no path", op.Name, op.Family)
		}
		ops = append(ops, jsOp{op.Name, i})
	}
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = "'" + p + "'"
	}
	var b bytes.Buffer
	err := tmpl.Execute(&b, map[string]any{
		"Prefix":       cognito.TargetPrefix,
		"Paths":        strings.Join(quoted, ", "),
		"Internal":     strings.TrimSuffix(InternalPrefix, "/"),
		"Ops":          ops,
		"HeaderPrefix": strings.ToLower(HeaderPrefix),
		"HostHeader":   strings.ToLower(HeaderOriginalHost),
		"PathHeader":   strings.ToLower(HeaderOriginalPath),
		"IPHeader":     strings.ToLower(HeaderOriginalIP),
	})
	if err != nil {
		return nil, err
	}
	if b.Len() > MaxFunctionSize {
		return nil, fmt.Errorf("edge: router.js is %d bytes, over CloudFront Functions' %d", b.Len(), MaxFunctionSize)
	}
	return b.Bytes(), nil
}
