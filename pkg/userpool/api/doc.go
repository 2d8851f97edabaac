// Package api holds the typed request and response of every operation the service implements
// (SignUpInput, InitiateAuthOutput, ...): Cognito's JSON 1.1 names, and the `cognito:"..."`
// validation tags that the edge (pkg/cognito) checks before the service sees a request. The
// shapes several operations share (AttributeType, UserPoolType, ...) are in model; what an
// operation does is in the service. It sits below the facade so that every room of the service
// can take and return these types without importing the facade.
package api
