// Package codes owns one-time codes: the purposes a code serves (sign-up, password reset,
// attribute verification) and how long each lives, six digits drawn from the CSPRNG, a keyed
// hash of the code kept instead of the code (CODE-02), bound to its purpose, its user's sub and
// the address it went to (CODE-05), every submission counted on the item before it is judged
// and a code void after MaxAttempts (CODE-04), spent once by a conditional write; and where a
// code goes (Delivery: the attribute, the channel, the masked destination Cognito reports) and
// its rendering and sending through the mail port. Which operation may send or check a code,
// and what a user is told, stay with the operation.
package codes

import (
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// Codes issues, sends and checks one-time codes over the service's ports.
type Codes struct {
	*ports.Ports
	// triggers runs the pool's CustomMessage trigger before a message goes out (nil: none).
	triggers *triggers.Triggers
}

// New builds the codes room.
func New(p *ports.Ports, tr *triggers.Triggers) *Codes { return &Codes{Ports: p, triggers: tr} }
