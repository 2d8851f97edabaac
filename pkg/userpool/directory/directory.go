// Package directory is where the service finds what it holds: pools and app clients (decoded
// once and kept briefly in a config cache), users by what a caller typed (username, alias,
// email or phone as username, sub), the compare-and-swap update of a user with its aliases and
// search-index entries, ListUsers filters over the search index, and each pool's estimated
// number of users. It reads and writes through store.Repo only and answers with the service's
// named errors (msg): ResourceNotFound for a pool or client, UserNotFound, AliasExists. The rules
// of what may change are the callers'; the directory keeps what is stored consistent.
package directory

import (
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Directory finds and updates pools, clients and users. One is shared by all requests.
type Directory struct {
	*ports.Ports // Repo; Sealer for app clients' secrets, sealed at rest; Clock
	cache        *configCache
	// users memoizes the decoding of user records for the access-token operations (usercache.go).
	users *userCache
	// estimates keeps each pool's EstimatedNumberOfUsers (estimate.go).
	estimates userEstimates
}

// New builds a directory over the service's ports. configTTL is how long decoded pools and
// clients are reused; negative disables the cache.
func New(p *ports.Ports, configTTL time.Duration) *Directory {
	return &Directory{Ports: p, cache: newConfigCache(configTTL), users: newUserCache(maxDecodedUserBytes)}
}

// DropPool forgets the cached pool id, after this process changed or deleted it.
func (d *Directory) DropPool(id string) { d.cache.dropPool(id) }

// DropClient forgets the cached app client id, after this process changed or deleted it.
func (d *Directory) DropClient(id string) { d.cache.dropClient(id) }

// DecodeUser is model.DecodeUser(su), from a memo when su.Data is what was decoded last time for
// this user (the access-token operations read the same few users over and over).
func (d *Directory) DecodeUser(su *store.User) (*model.User, error) { return d.users.decode(su) }
