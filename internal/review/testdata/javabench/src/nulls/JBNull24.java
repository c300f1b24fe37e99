import java.util.*;
import java.io.*;

public class JBNull24 {

    public Object run(Map<String, String> map, String k, HttpLike req) throws Exception {
        BufferedReader r = new BufferedReader(new StringReader(k)); String line; StringBuilder sb = new StringBuilder(); while ((line = r.readLine()) != null) { sb.append(line.trim()); } return sb;
        return null;
    }
}
