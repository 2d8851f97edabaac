// Package report holds the raw results of `make bench` (the JSON written to docs/benchmarks/),
// the cost model built on them, the targets, and the Markdown and SVG report generated
// from them.
package report

import (
	"time"

	"github.com/cognatehq/cognate/bench/procstat"
	"github.com/cognatehq/cognate/bench/stats"
)

// Schema is the version of the Results JSON.
const Schema = 1

// Operation ids, in report order.
const (
	OpSignUp    = "signup"     // SignUp + AdminConfirmSignUp
	OpPassword  = "password"   // InitiateAuth USER_PASSWORD_AUTH
	OpSRP       = "srp"        // InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER
	OpRefresh   = "refresh"    // InitiateAuth REFRESH_TOKEN_AUTH
	OpRefreshGT = "refresh-gt" // GetTokensFromRefreshToken
	OpGetUser   = "getuser"    // GetUser
	OpListUsers = "listusers"  // ListUsers with Filter email = "…"
	OpVerify    = "verify"     // resource server: RS256 verification with keys from the JWKS URL
)

// Ops lists every operation in report order.
var Ops = []string{OpSignUp, OpPassword, OpSRP, OpRefresh, OpRefreshGT, OpGetUser, OpListUsers, OpVerify}

// OpTitle is how the report names an operation.
var OpTitle = map[string]string{
	OpSignUp:    "SignUp + AdminConfirmSignUp",
	OpPassword:  "InitiateAuth USER_PASSWORD_AUTH",
	OpSRP:       "SRP sign-in (USER_SRP_AUTH + PASSWORD_VERIFIER)",
	OpRefresh:   "InitiateAuth REFRESH_TOKEN_AUTH",
	OpRefreshGT: "GetTokensFromRefreshToken",
	OpGetUser:   "GetUser",
	OpListUsers: "ListUsers, Filter email = \"…\"",
	OpVerify:    "Resource server: verify access token with the JWKS",
}

// Server names.
const (
	ServerCognate      = "cognate"
	ServerCognitoLocal = "cognito-local"
)

// Results is everything one `make bench` run measured.
type Results struct {
	Schema   int           `json:"schema"`
	Quick    bool          `json:"quick"`
	Command  string        `json:"command"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Machine  Machine       `json:"machine"`
	Config   Config        `json:"config"`
	Crypto   []CryptoBench `json:"crypto"`
	Runs     []Run         `json:"runs"`
	Cost     *Cost         `json:"cost,omitempty"`
	Profiles []Profile     `json:"profiles,omitempty"`
	Triggers *TriggerBench `json:"triggers,omitempty"`
	// TriggersPinned is the same section measured with the server pinned to one core and the
	// load generator to the other (-only triggers -pin).
	TriggersPinned *TriggerBench `json:"triggers_pinned,omitempty"`
	// OAuth is the OAuth 2.0 token endpoint and hosted sign-in section (issue 14).
	OAuth *OAuthBench `json:"oauth,omitempty"`
	Notes []string    `json:"notes,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUModel    string `json:"cpu_model"`
	Cores       int    `json:"cores"`
	MemTotalMiB int64  `json:"mem_total_mib"`
	Kernel      string `json:"kernel"`
	GoVersion   string `json:"go_version"`
	GOOS        string `json:"goos"`
	GOARCH      string `json:"goarch"`
	Node        string `json:"node,omitempty"`
	Java        string `json:"java,omitempty"`
	LoadAvg     string `json:"loadavg_at_start"`
	LoadAvgEnd  string `json:"loadavg_at_end,omitempty"`
}

// Config is how the run was parameterised.
type Config struct {
	Concurrency     []int   `json:"concurrency"`
	MainConcurrency int     `json:"main_concurrency"`
	DurationS       float64 `json:"duration_s"`
	WarmupS         float64 `json:"warmup_s"`
	MaxOpsPerPoint  int     `json:"max_ops_per_point"`
	PoolSizes       []int   `json:"pool_sizes"`
	CLSeedBudgetS   float64 `json:"cognito_local_seed_budget_s"`
	TokenUsers      int     `json:"token_users"`
	CostSamples     int     `json:"cost_samples"`
}

// CryptoBench is one in-process Go benchmark (testing.Benchmark) of a crypto primitive.
type CryptoBench struct {
	Name      string  `json:"name"`
	Desc      string  `json:"desc"`
	NsPerOp   float64 `json:"ns_per_op"`
	N         int     `json:"n"`
	Parallel  bool    `json:"parallel,omitempty"` // RunParallel on every core: NsPerOp is per op overall
	OpsPerSec float64 `json:"ops_per_s"`
}

// Run is one server at one pool size.
type Run struct {
	Server      string           `json:"server"`
	Version     string           `json:"version,omitempty"`
	PoolSize    int              `json:"pool_size"`
	Command     string           `json:"command"`
	Seeding     Seeding          `json:"seeding"`
	Points      []Point          `json:"points"`
	Unsupported []Unsupported    `json:"unsupported,omitempty"`
	MemIdle     *procstat.Memory `json:"mem_idle,omitempty"`    // after seeding and start, before load
	MemEnd      *procstat.Memory `json:"mem_end,omitempty"`     // after the load
	StoreBytes  int64            `json:"store_bytes,omitempty"` // size of the bbolt file (--data-dir runs)
	Note        string           `json:"note,omitempty"`
}

// Seeding says how the pool got its users.
type Seeding struct {
	Method  string     `json:"method"`
	Target  int        `json:"target"`
	Users   int        `json:"users"`
	Seconds float64    `json:"seconds"`
	Steps   []SeedStep `json:"steps,omitempty"`
	Stopped string     `json:"stopped,omitempty"` // why seeding stopped short of Target
}

// SeedStep is the seeding rate observed while the pool grew to Users.
type SeedStep struct {
	Users       int     `json:"users"`
	UsersPerSec float64 `json:"users_per_s"`
}

// Unsupported is an operation a server could not run, with the error it gave.
type Unsupported struct {
	Op     string `json:"op"`
	Reason string `json:"reason"`
}

// Point is one operation at one concurrency.
type Point struct {
	Op          string         `json:"op"`
	Concurrency int            `json:"concurrency"`
	Seconds     float64        `json:"seconds"`
	Ops         int            `json:"ops"`
	Errors      int            `json:"errors"`
	ErrorSample string         `json:"error_sample,omitempty"`
	Throughput  float64        `json:"ops_per_s"`
	Latency     stats.Summary  `json:"latency"`
	ServerCPUms float64        `json:"server_cpu_ms_per_op"` // utime+stime of the server process / ops
	ClientCPUms float64        `json:"client_cpu_ms_per_op"` // the load generator's own CPU / ops
	PoolUsers   int            `json:"pool_users"`           // users in the pool when the point started
	Hist        []stats.Bucket `json:"hist,omitempty"`       // at the main concurrency only
	Note        string         `json:"note,omitempty"`
	Round       int            `json:"round,omitempty"` // of a section measured in interleaved rounds
}

// Cost is the DynamoDB-backend measurement against DynamoDB Local.
type Cost struct {
	Available bool     `json:"available"`
	Reason    string   `json:"reason,omitempty"`
	Store     string   `json:"store"`
	Ops       []OpCost `json:"ops,omitempty"`
}

// OpCost is what one operation cost on the DynamoDB backend, averaged over Samples sequential
// operations.
type OpCost struct {
	Op          string             `json:"op"`
	Samples     int                `json:"samples"`
	Invocations float64            `json:"invocations"`  // API requests = Lambda invocations per op
	DDBRequests float64            `json:"ddb_requests"` // DynamoDB API calls per op
	ByCall      map[string]float64 `json:"ddb_by_call"`  // per op, by DynamoDB operation
	ByItem      map[string]float64 `json:"ddb_by_item"`  // per op, by call and the kind of item it touched
	RCU         float64            `json:"rcu"`          // read units per op (ConsumedCapacity)
	WCU         float64            `json:"wcu"`          // write units per op
	Signatures  float64            `json:"signatures"`   // RS256 signatures per op (= KMS Sign calls in kms mode)
	HandlerMs   float64            `json:"handler_ms"`   // server-side wall time per op, DynamoDB Local waits included
}

// Profile is a pprof CPU profile of the server while it ran one operation.
type Profile struct {
	Op        string   `json:"op"`
	PoolSize  int      `json:"pool_size"`
	Why       string   `json:"why"`
	File      string   `json:"file"`
	Seconds   float64  `json:"seconds"`
	Ops       int      `json:"ops"`
	Top       string   `json:"top"`             // go tool pprof -top of the CPU profile
	Block     string   `json:"block,omitempty"` // … of the block profile (where requests wait)
	BlockFile string   `json:"block_file,omitempty"`
	HotCPU    []string `json:"hot_cpu,omitempty"`  // Cognate's functions with the most CPU (cumulative)
	HotWait   []string `json:"hot_wait,omitempty"` // where requests waited most
}

// Run returns the run of server at poolSize, or nil.
func (r *Results) Run(server string, poolSize int) *Run {
	for i := range r.Runs {
		if r.Runs[i].Server == server && r.Runs[i].PoolSize == poolSize {
			return &r.Runs[i]
		}
	}
	return nil
}

// Point returns the run's point for op at concurrency c, or nil.
func (r *Run) Point(op string, c int) *Point {
	if r == nil {
		return nil
	}
	for i := range r.Points {
		if r.Points[i].Op == op && r.Points[i].Concurrency == c {
			return &r.Points[i]
		}
	}
	return nil
}

// Unsupports tells why the run could not do op ("" if it could).
func (r *Run) Unsupports(op string) string {
	if r == nil {
		return ""
	}
	for _, u := range r.Unsupported {
		if u.Op == op {
			return u.Reason
		}
	}
	return ""
}

// CostOf returns the cost measurement of op, or nil.
func (c *Cost) CostOf(op string) *OpCost {
	if c == nil {
		return nil
	}
	for i := range c.Ops {
		if c.Ops[i].Op == op {
			return &c.Ops[i]
		}
	}
	return nil
}
