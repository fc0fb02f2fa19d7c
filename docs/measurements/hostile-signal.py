import subprocess, sys, time, signal
p = subprocess.Popen(sys.argv[3:])
time.sleep(float(sys.argv[2]))
p.send_signal(getattr(signal, sys.argv[1]))
rc = p.wait()
sys.exit(128 - rc if rc < 0 else rc)  # killed by signal N: 128 + N, as a shell reports it
