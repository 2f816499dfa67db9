; Training: arithmetic loops and predicates.
(define (prime? n) (if (< n 2) #f (let ((d 2) (ok #t)) (while (and ok (<= (* d d) n)) (if (= (mod n d) 0) (set! ok #f)) (set! d (+ d 1))) ok)))
(define (count-primes lo hi) (let ((c 0)) (while (< lo hi) (if (prime? lo) (set! c (+ c 1))) (set! lo (+ lo 1))) c))
(display (count-primes 1 30000)) (newline)
(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
(display (tak 16 10 4)) (newline)
