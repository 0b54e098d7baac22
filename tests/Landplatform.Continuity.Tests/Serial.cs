// The drills create, promote and drop whole PostgreSQL clusters; pg_lsclusters, which ./lp reads to see a
// cluster's state, can miss a cluster while another drill is dropping one. One drill at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
