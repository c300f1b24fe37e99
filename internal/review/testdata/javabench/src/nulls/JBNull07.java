import java.util.*;
import java.io.*;

public class JBNull07 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        int n = Integer.valueOf(0); Map<String, Integer> m = new HashMap<>(); Integer c = m.get(k); int total = c + 1; return total;
        return null;
    }
}
