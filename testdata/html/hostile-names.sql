SELECT * FROM "</script><script>alert('x')</script>" t WHERE "a""b<img src=x onerror=alert(1)>" = 'v42' AND note <> '</style>&amp;';
