set terminal svg size 960,600 dynamic font 'sans,12' background rgb 'white'
set output 'p2p_bandwidth.svg'
set title 'Ping-pong bandwidth, one way (2 ranks, shared memory); bars: interquartile range'
set xlabel 'bytes'
set ylabel 'GB/s'
set logscale x 2
set logscale y 10
set format y '%g'
set xrange [4:2.14748e+09]
set yrange [0.000214078:*]
set xtics ("8 B" 8, "64 B" 64, "512 B" 512, "4 KiB" 4096, "32 KiB" 32768, "256 KiB" 262144, "2 MiB" 2097152, "16 MiB" 16777216, "128 MiB" 134217728, "1 GiB" 1073741824) rotate by -30
set key top left box opaque
set grid
set linetype 1 linecolor rgb '#1f77b4' linewidth 2 pointtype 7 pointsize 0.8
set linetype 2 linecolor rgb '#d62728' linewidth 2 pointtype 7 pointsize 0.8
set linetype 3 linecolor rgb '#2ca02c' linewidth 2 pointtype 7 pointsize 0.8
set linetype 4 linecolor rgb '#9467bd' linewidth 2 pointtype 7 pointsize 0.8
set linetype 5 linecolor rgb '#8c564b' linewidth 2 pointtype 7 pointsize 0.8
set linetype 6 linecolor rgb '#e377c2' linewidth 2 pointtype 7 pointsize 0.8
set linetype 7 linecolor rgb '#17becf' linewidth 2 pointtype 7 pointsize 0.8
set linetype 8 linecolor rgb '#7f7f7f' linewidth 2 pointtype 7 pointsize 0.8
plot 'p2p_bandwidth.svg.dat' index 0 using 1:2:3:4 with yerrorlines linetype 1 title 'Boost.MPI', \
     'p2p_bandwidth.svg.dat' index 1 using 1:2:3:4 with yerrorlines linetype 2 title 'mpi4py pkl5', \
     'p2p_bandwidth.svg.dat' index 2 using 1:2:3:4 with yerrorlines linetype 3 title 'pkl5', \
     'p2p_bandwidth.svg.dat' index 3 using 1:2:3:4 with yerrorlines linetype 4 title 'pkl5 fresh', \
     'p2p_bandwidth.svg.dat' index 4 using 1:2:3:4 with yerrorlines linetype 5 title 'raw MPI', \
     'p2p_bandwidth.svg.dat' index 5 using 1:2:3:4 with yerrorlines linetype 6 title 'raw MPI fresh'
