set terminal svg size 900,560 dynamic font 'sans,12'
set output 'p2p_bandwidth.svg'
set title 'Ping-pong bandwidth, one way (2 ranks, shared memory)'
set xlabel 'bytes'
set ylabel 'GB/s'
set logscale x 2
set logscale y 10
set format y '%g'
set xtics ("8 B" 8, "64 B" 64, "512 B" 512, "4 KiB" 4096, "32 KiB" 32768, "256 KiB" 262144, "2 MiB" 2097152, "16 MiB" 16777216, "128 MiB" 134217728, "1 GiB" 1073741824)
set key top left
set grid
plot 'p2p_bandwidth.svg.dat' index 0 using 1:2 with linespoints title 'Boost.MPI', \
     'p2p_bandwidth.svg.dat' index 1 using 1:2 with linespoints title 'mpi4py pkl5', \
     'p2p_bandwidth.svg.dat' index 2 using 1:2 with linespoints title 'pkl5', \
     'p2p_bandwidth.svg.dat' index 3 using 1:2 with linespoints title 'pkl5 fresh', \
     'p2p_bandwidth.svg.dat' index 4 using 1:2 with linespoints title 'raw MPI', \
     'p2p_bandwidth.svg.dat' index 5 using 1:2 with linespoints title 'raw MPI fresh'
