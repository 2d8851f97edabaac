package main

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cognatehq/cognate/bench/procstat"
	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/bench/stats"
)

// opFunc performs one operation for worker w (its i-th); an error counts as a failed operation.
type opFunc func(ctx context.Context, w, i int) error

// pointSpec bounds one measurement: warm-up, then a window that ends after duration or maxOps
// completed operations, whichever comes first.
type pointSpec struct {
	op          string
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	maxOps      int
	serverPID   int // 0: no server process to account (in-process workloads)
	hist        bool
	opTimeout   time.Duration
	// onOpen and onClose, when set, run as the measured window opens and closes (the trigger
	// section collects its functions' own times over the window only).
	onOpen, onClose func()
}

// runPoint runs fn on spec.concurrency workers. Operations completing inside the window count
// (throughput = completions / window), and the server's and this process's CPU are read at the
// window's edges, so in steady state CPU per operation is unbiased. Workers stop by themselves
// after the window; an operation still running then has at most opTimeout left.
func runPoint(ctx context.Context, spec pointSpec, fn opFunc) report.Point {
	if spec.opTimeout == 0 {
		spec.opTimeout = 30 * time.Second
	}
	const (
		warming = iota
		measuring
		stopped
	)
	var phase atomic.Int32
	var done atomic.Int64
	full := make(chan struct{})
	var fullOnce sync.Once

	type workerResult struct {
		lat      []time.Duration
		errs     int
		firstErr error
	}
	results := make([]workerResult, spec.concurrency)
	// Operations still in flight 10 s after the window are cancelled: every point ends in bounded time.
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	var wg sync.WaitGroup
	for w := range spec.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			for i := 0; phase.Load() != stopped && runCtx.Err() == nil; i++ {
				octx, cancel := context.WithTimeout(runCtx, spec.opTimeout)
				start := time.Now()
				err := fn(octx, w, i)
				el := time.Since(start)
				cancel()
				if phase.Load() != measuring {
					continue
				}
				if err != nil {
					res.errs++
					if res.firstErr == nil {
						res.firstErr = err
					}
					continue
				}
				res.lat = append(res.lat, el)
				if n := done.Add(1); spec.maxOps > 0 && n >= int64(spec.maxOps) {
					fullOnce.Do(func() { close(full) })
				}
			}
		}()
	}

	sleepCtx(ctx, spec.warmup)
	srv0, _ := cpuOf(spec.serverPID)
	self0, _ := procstat.CPU(os.Getpid())
	if spec.onOpen != nil {
		spec.onOpen()
	}
	t0 := time.Now()
	phase.Store(measuring)
	timer := time.NewTimer(spec.duration)
	select {
	case <-timer.C:
	case <-full:
	case <-ctx.Done():
	}
	timer.Stop()
	phase.Store(stopped)
	t1 := time.Now()
	srv1, _ := cpuOf(spec.serverPID)
	self1, _ := procstat.CPU(os.Getpid())
	if spec.onClose != nil {
		spec.onClose()
	}
	grace := time.AfterFunc(10*time.Second, cancelRun)
	wg.Wait()
	grace.Stop()

	var all []time.Duration
	p := report.Point{Op: spec.op, Concurrency: spec.concurrency, Seconds: t1.Sub(t0).Seconds()}
	for _, r := range results {
		all = append(all, r.lat...)
		p.Errors += r.errs
		if r.firstErr != nil && p.ErrorSample == "" {
			p.ErrorSample = errText(r.firstErr)
		}
	}
	p.Ops = len(all)
	if p.Seconds > 0 {
		p.Throughput = float64(p.Ops) / p.Seconds
	}
	if p.Ops > 0 {
		if spec.serverPID > 0 {
			p.ServerCPUms = stats.Ms(srv1-srv0) / float64(p.Ops)
		}
		p.ClientCPUms = stats.Ms(self1-self0) / float64(p.Ops)
	}
	p.Latency = stats.Summarize(all)
	if spec.hist {
		p.Hist = stats.LogBuckets(all, 10)
	}
	return p
}

func cpuOf(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, nil
	}
	return procstat.CPU(pid)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
