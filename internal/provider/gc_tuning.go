package provider

import (
	"os"
	"runtime/debug"
)

// shortLivedGCPercent is the collector's target while serving Terraform.
const shortLivedGCPercent = 400

// CollectGarbageLessUnlessAsked sets the garbage collector's target to
// 400% (Go's default is 100%) unless GOGC is set; main calls it before
// serving. Terraform starts the provider three times per plan, each process
// living some 50 ms: at 100% the first collection falls in the middle of
// ReadDataSource (the packages' init alone allocates 2 MB of the first 4 MB
// goal) and costs it about 2 ms, more than the token request itself (make
// bench: ReadDataSource 5.4 ms at 100%, 3.0 ms with no collection). A
// longer-lived process (a proxy open through an apply) holds a few MB, so
// at 400% its heap peaks at a few tens of MB. GOGC set in the environment
// wins, so a user can choose.
func CollectGarbageLessUnlessAsked() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(shortLivedGCPercent)
}
