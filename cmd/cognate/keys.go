package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
)

const keysUsage = `Usage:
  cognate keys rotate [flags]   give pools new signing keys (cognate keys rotate -h for flags)
`

// keys runs `cognate keys <command>`.
func keys(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errors.New("keys: missing command")
	}
	switch args[0] {
	case "rotate":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := keysRotate(ctx, args[1:], stdout, stderr, clock.System{})
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	case "-h", "--help", "help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	}
	fmt.Fprint(stderr, keysUsage)
	return fmt.Errorf("keys: unknown command %q", args[0])
}

// keysRotate rotates the signing keys of one pool or of every pool in the local store (the
// embedded store in --data-dir, which `cognate serve` must not hold open: bbolt allows one
// process). Each new key is published at once and signs from --publish-lead later.
func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer, clk clock.Clock) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envOr("COGNATE_DATA_DIR", ".cognate"), "directory of the embedded store and the local master key (as for cognate serve)")
	pool := fs.String("pool", "", "the pool whose keys to rotate (default: every pool)")
	use := fs.String("use", "", "id or access: rotate only that key (default: both)")
	olderThan := fs.Int("older-than", 0, "rotate only keys at least this many `days` old (default: every key)")
	lead := fs.Duration("publish-lead", signer.DefaultPublishLead, "how long each new key is published before it signs (at least 5m)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("keys rotate: unexpected argument %q", fs.Arg(0))
	}
	job := signer.RotateJob{OlderThan: time.Duration(*olderThan) * 24 * time.Hour, Options: signer.RotateOptions{PublishLead: *lead}}
	switch u := signer.KeyUse(*use); {
	case *use == "":
	case u.Valid():
		job.Uses = []signer.KeyUse{u}
	default:
		return fmt.Errorf("--use: %q is not id or access", *use)
	}
	if *olderThan < 0 {
		return fmt.Errorf("--older-than: %d is negative", *olderThan)
	}
	if *lead < signer.MinPublishLead {
		return fmt.Errorf("--publish-lead: %v is shorter than %v, the signer's key cache", *lead, signer.MinPublishLead)
	}

	// Never create a store or a master key here: new keys sealed under a new master key would
	// be useless to the server.
	dbPath, keyPath := local.StorePath(*dataDir), local.MasterKeyPath(*dataDir)
	for _, p := range []string{dbPath, keyPath} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("no local Cognate data in %s (run cognate serve --data-dir %s first): %w", *dataDir, *dataDir, err)
		}
	}
	mk, err := envelope.LoadOrCreateLocalMasterKey(keyPath)
	if err != nil {
		return err
	}
	tbl, err := embedded.Open(dbPath, clk)
	if err != nil {
		return fmt.Errorf("opening %s (is cognate serve running on it? stop it first): %w", dbPath, err)
	}
	defer tbl.Close()
	repo := store.NewRepo(tbl)

	if *pool != "" {
		if _, err := repo.GetPool(ctx, *pool); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("pool %s does not exist", *pool)
			}
			return err
		}
		job.Pools = []string{*pool}
	} else if job.Pools, err = poolIDs(ctx, repo); err != nil {
		return err
	}
	if len(job.Pools) == 0 {
		fmt.Fprintln(stdout, "no pools")
		return nil
	}
	job.Report = func(o signer.RotateOutcome) { printOutcome(stdout, o) }
	return signer.RotatePools(ctx, local.NewSigner(tbl, envelope.NewSealer(mk, rand.Reader), clk), job)
}

// poolIDs lists every pool of the store (the pools index).
func poolIDs(ctx context.Context, repo *store.Repo) ([]string, error) {
	var ids []string
	cursor := ""
	for {
		pools, next, err := repo.ListPools(ctx, cursor, 60)
		if err != nil {
			return nil, fmt.Errorf("listing pools: %w", err)
		}
		for _, p := range pools {
			ids = append(ids, p.ID)
		}
		if next == "" {
			return ids, nil
		}
		cursor = next
	}
}

func printOutcome(w io.Writer, o signer.RotateOutcome) {
	for _, kid := range o.Pruned {
		fmt.Fprintf(w, "%s %s: deleted retired key %s\n", o.PoolID, o.Use, kid)
	}
	const ts = time.RFC3339
	switch r := o.Rotation; {
	case o.Err != nil:
		fmt.Fprintf(w, "%s %s: error: %v\n", o.PoolID, o.Use, o.Err)
	case r == nil:
		fmt.Fprintf(w, "%s %s: key is %s old, not rotated\n", o.PoolID, o.Use, days(o.Age))
	case !r.Created:
		fmt.Fprintf(w, "%s %s: rotation already pending: kid %s (generation %d) signs from %s\n",
			o.PoolID, o.Use, r.Kid, r.Generation, r.NotBefore.UTC().Format(ts))
	default:
		fmt.Fprintf(w, "%s %s: new kid %s (generation %d) published now, signs from %s\n",
			o.PoolID, o.Use, r.Kid, r.Generation, r.NotBefore.UTC().Format(ts))
		for _, k := range r.Retiring {
			fmt.Fprintf(w, "%s %s: kid %s (generation %d) stays published until %s\n",
				o.PoolID, o.Use, k.Kid, k.Generation, k.RetireAfter.UTC().Format(ts))
		}
	}
}

func days(d time.Duration) string {
	if d < time.Minute {
		return "under a minute"
	}
	if d < 24*time.Hour {
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
