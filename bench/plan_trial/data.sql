SET session_replication_role = replica;
SELECT setseed(0.42);
INSERT INTO language(language_id,name) SELECT g, (ARRAY['English','Italian','Japanese','Mandarin','French','German'])[g] FROM generate_series(1,6) g;
INSERT INTO category(category_id,name) SELECT g, 'cat'||g FROM generate_series(1,16) g;
INSERT INTO country(country_id,country) SELECT g, 'country'||g FROM generate_series(1,109) g;
INSERT INTO city(city_id,city,country_id) SELECT g, 'city'||g, 1+(g*7)%109 FROM generate_series(1,600) g;
INSERT INTO address(address_id,address,district,city_id,postal_code,phone)
  SELECT g, g||' Main St', 'district'||(g%300), 1+(g*13)%600, lpad((g%99999)::text,5,'0'), '555'||g FROM generate_series(1,300000) g;
INSERT INTO store(store_id,manager_staff_id,address_id) SELECT g, g, g FROM generate_series(1,20) g;
INSERT INTO staff(staff_id,first_name,last_name,address_id,store_id,username,email) SELECT g,'Staff'||g,'Member'||g,g,1+(g-1)%20,'staff'||g,'staff'||g||'@x.org' FROM generate_series(1,40) g;
INSERT INTO actor(actor_id,first_name,last_name) SELECT g, 'First'||(g%500), 'Last'||(g%3000) FROM generate_series(1,20000) g;
INSERT INTO film(film_id,title,description,release_year,language_id,rental_duration,rental_rate,length,replacement_cost,rating,special_features,fulltext)
  SELECT g, 'Film Title '||g, 'A '||(ARRAY['thrilling','boring','epic','touching','dark'])[1+g%5]||' story of a '||(ARRAY['dog','robot','teacher','pirate','astronaut','chef'])[1+g%6],
         1990+g%35, 1+(g%6=0)::int*(1+g%5), 3+g%5, (ARRAY[0.99,2.99,4.99])[1+g%3], 45+g%140, 9.99+g%20,
         (ARRAY['G','PG','PG-13','R','NC-17'])[1+g%5]::mpaa_rating, ARRAY['Trailers'],
         to_tsvector('english','Film Title '||g||' '||(ARRAY['thrilling','boring','epic','touching','dark'])[1+g%5]||' '||(ARRAY['dog','robot','teacher','pirate','astronaut','chef'])[1+g%6])
  FROM generate_series(1,50000) g;
INSERT INTO film_actor(actor_id,film_id) SELECT DISTINCT 1+(hashint4(g)&x'7fffffff'::int)%20000, 1+g%50000 FROM generate_series(1,500000) g;
INSERT INTO film_category(film_id,category_id) SELECT g, 1+(hashint4(g)&x'7fffffff'::int)%16 FROM generate_series(1,50000) g;
-- customers: skewed over stores (store 1 has ~30 %)
INSERT INTO customer(customer_id,store_id,first_name,last_name,email,address_id,activebool,create_date,active)
  SELECT g, CASE WHEN g%10<3 THEN 1 ELSE 2+g%19 END, 'First'||(g%2000), 'Last'||(g%20000), 'user'||g||'@mail'||(g%50)||'.com', g,
         g%20<>0, date '2015-01-01' + (g%3650), (g%20<>0)::int
  FROM generate_series(1,300000) g;
INSERT INTO inventory(inventory_id,film_id,store_id) SELECT g, 1+(hashint4(g)&x'7fffffff'::int)%50000, 1+g%20 FROM generate_series(1,500000) g;
-- rentals: 2M, customers Zipf-like (power), dates growing towards the present
INSERT INTO rental(rental_id,rental_date,inventory_id,customer_id,return_date,staff_id)
  SELECT g, ts, 1+(hashint4(g)&x'7fffffff'::int)%500000, 1+floor(300000*power(random(),2))::int,
         CASE WHEN random()<0.97 THEN ts + (1+random()*9)*interval '1 day' END, 1+g%40
  FROM (SELECT g, timestamptz '2022-01-01' + sqrt(random())*(timestamptz '2026-07-25'-timestamptz '2022-01-01') + g*interval '1 microsecond' AS ts FROM generate_series(1,2000000) g) s;
INSERT INTO payment(payment_id,customer_id,staff_id,rental_id,amount,payment_date)
  SELECT rental_id, customer_id, staff_id, rental_id, (ARRAY[0.99,1.99,2.99,4.99,5.99,9.99])[1+rental_id%6], rental_date + interval '1 hour'
  FROM rental WHERE rental_date + interval '1 hour' < timestamptz '2026-08-01';
RESET session_replication_role;
VACUUM ANALYZE;
