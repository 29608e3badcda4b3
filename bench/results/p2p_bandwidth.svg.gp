set terminal svg size 900,560 dynamic font 'sans,12'
set output '/work/main/bench/results/p2p_bandwidth.svg'
set title 'Ping-pong bandwidth, one way (2 ranks, shared memory)'
set xlabel 'bytes'
set ylabel 'GB/s'
set logscale xy 2
set format x '%.0s%cB'
set key top left
set grid
plot '/work/main/bench/results/p2p_bandwidth.svg.dat' index 0 using 1:2 with linespoints title 'Boost.MPI', \
     '/work/main/bench/results/p2p_bandwidth.svg.dat' index 1 using 1:2 with linespoints title 'mpi4py pkl5', \
     '/work/main/bench/results/p2p_bandwidth.svg.dat' index 2 using 1:2 with linespoints title 'pkl5', \
     '/work/main/bench/results/p2p_bandwidth.svg.dat' index 3 using 1:2 with linespoints title 'pkl5 fresh', \
     '/work/main/bench/results/p2p_bandwidth.svg.dat' index 4 using 1:2 with linespoints title 'raw MPI', \
     '/work/main/bench/results/p2p_bandwidth.svg.dat' index 5 using 1:2 with linespoints title 'raw MPI fresh'
