// Package cognito is the protocol edge of Cognate: Amazon Cognito's AWS JSON 1.1 wire format, and
// nothing behind it. It owns
//
//   - the operation table (ops.go): all 126 user-pool operations, each with its deployment family
//     and auth kind — the single source the servers and the edge router are built from;
//   - request decoding and Coral-style input validation from `cognito` struct tags (bind.go,
//     tags.go, validate.go);
//   - Cognito's timestamp encoding (time.go);
//   - the HTTP handler (server.go): CORS, X-Amz-Target routing, family gating, body limits,
//     SigV4 via an AdminAuthenticator, request ids, panic containment;
//   - the error catalogue (errors.go) and the one renderer of responses and errors (render.go).
//
// Business rules live in the service (pkg/userpool); endpoints bound here only translate.
//
// # Matching errors
//
// Code decides on an error with errors.Is, never by comparing Type strings. Each catalogue
// constructor has a sentinel Kind beside it (NotAuthorized and ErrNotAuthorized, made from one
// spelling of the shape's name), and errors.Is(err, cognito.ErrNotAuthorized) holds for any
// NotAuthorizedException in err's chain, whatever its message. The sentinel is a Kind, not a
// *Error, so it cannot be returned in place of a fresh value by mistake: if it is, it renders as
// InternalErrorException (fail closed).
//
// The few decisions that turn on one message of a shape (the sign-in's expired session and its
// lockout, both NotAuthorizedException) match against a fresh value from the service's named
// constructor for that message: errors.Is(err, invalidSession()) holds when type and message
// are both equal. The named constructor is the one place the message is written, so the match
// cannot drift from the error it looks for, and no shared *Error exists that a caller could
// decorate or return. A *Error target with an empty message matches its whole shape, as a Kind
// does.
//
// errors.Is also follows Cause. A cause is what went wrong inside (a store or mail failure),
// never another protocol error: the service passes *Error values through unwrapped.
// Request bodies carry passwords and tokens: this package never logs or echoes them.
//
// # Request constraints
//
// Request structs declare Cognito's input constraints in a `cognito` struct tag, a comma-separated
// list of rules:
//
//	required           the member must be present (a nil pointer, slice or map, or "" in a plain
//	                   string field, counts as absent; use *string where "" must fail min=1)
//	min=N  max=N       length: Unicode code points for strings (Smithy's definition), entries
//	                   for slices and maps
//	minval=N maxval=N  value bounds for integer members
//	pattern=NAME       the whole string must match the pattern registered under NAME: username,
//	                   password, clientId, clientSecret, secretHash, userPoolId, token, attrName,
//	                   clientName, poolName, groupName, code, deviceKey, paginationKey,
//	                   softwareToken, arn, or one added with RegisterPattern
//	enum=A|B|C         the string must be one of the listed values
//	sensitive          never echo the value in messages (passwords, codes, tokens, secrets)
//	member.RULE        min, max, minval, maxval, pattern or enum applied to each element of a slice
//
// For example:
//
//	Username *string    `json:"Username" cognito:"required,min=1,max=128,pattern=username,sensitive"`
//	Limit    *int32     `json:"Limit" cognito:"minval=0,maxval=60"`
//	Names    []string   `json:"UserAttributeNames" cognito:"required,member.min=1,member.max=32"`
//	Attrs    []AttrType `json:"UserAttributes"` // constraints inside AttrType are checked per element
//
// Struct members, pointers to structs and slices of either are checked recursively, whether or not
// they carry a tag. Messages use Coral's member paths: the JSON name with its first letter lower-cased,
// list elements as `name.1.member` (1-based), e.g. `userAttributes.1.member.value`.
package cognito
